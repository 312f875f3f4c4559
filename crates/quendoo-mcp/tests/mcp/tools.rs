//! `tools/list` and every tool called once, each result checked against what
//! the simulator holds.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::{app::TestApp, call, connect, ok};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await;
    listing_shows_fifteen_described_tools,
    every_tool_works_against_the_simulator
);

async fn listing_shows_fifteen_described_tools(app: TestApp) {
    let hotel = app.hotel("Listing").await;
    let client = connect(&app, &hotel.token).await;
    let info = client.peer_info().expect("server info");
    assert_eq!(info.server_info.as_ref().unwrap().name, "quendoo-mcp");
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or_default()
            .contains("get_property_settings")
    );
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(names.len(), 15, "{names:?}");
    for tool in &tools {
        let annotations = tool.annotations.as_ref().expect("annotations");
        assert!(annotations.read_only_hint.is_some(), "{}", tool.name);
        assert!(tool.output_schema.is_some(), "{}", tool.name);
        let read = annotations.read_only_hint == Some(true);
        let named_as_read = tool.name.starts_with("get_") || tool.name.starts_with("find_");
        assert_eq!(read, named_as_read, "{}", tool.name);
    }
    let availability = tools.iter().find(|t| t.name == "get_availability").unwrap();
    let sysres: Vec<_> = availability.input_schema["properties"]["sysres"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["const"].clone())
        .collect();
    assert_eq!(sysres, [json!("qdo"), json!("ext")]);
    client.cancel().await.ok();
}

async fn every_tool_works_against_the_simulator(app: TestApp) {
    let hotel = app.hotel("Every tool").await;
    app.direct_writes(&hotel).await;
    let client = connect(&app, &hotel.token).await;
    let held = || app.sim.snapshot(&hotel.spec.api_key).expect("property");
    let snapshot = held();

    let settings = ok(call(&client, "get_property_settings", json!({})).await);
    assert_eq!(
        settings["data"]["property"],
        snapshot["settings"]["property"]
    );
    let modules = ok(call(
        &client,
        "get_property_settings",
        json!({"names": "booking_modules"}),
    )
    .await);
    assert_eq!(modules["data"].as_object().unwrap().len(), 1, "{modules}");

    let rooms = ok(call(&client, "get_rooms_details", json!({})).await);
    let rooms = rooms["data"].as_array().unwrap().clone();
    assert!(rooms.len() >= 5);
    let room = &rooms[0];
    let room_id = room["id"].as_i64().unwrap();
    let one = ok(call(&client, "get_rooms_details", json!({"room_id": room_id})).await);
    assert_eq!(one["data"][0]["id"], room["id"]);

    let from = Utc::now().date_naive() + Duration::days(10);
    let to = from + Duration::days(2);
    let args = json!({"date_from": from.to_string(), "date_to": to.to_string(), "sysres": "qdo"});
    let availability = ok(call(&client, "get_availability", args.clone()).await);
    let runs = availability["availability"].as_array().unwrap();
    let nights: i64 = runs
        .iter()
        .map(|run| {
            let day = |field: &str| run[field].as_str().unwrap().parse::<chrono::NaiveDate>();
            (day("to").unwrap() - day("from").unwrap()).num_days() + 1
        })
        .sum();
    assert_eq!(
        nights,
        rooms.len() as i64 * 3,
        "runs cover each room and night once"
    );
    let first = &runs[0];
    assert_eq!(first["room_id"], room["id"], "sorted by room id");
    assert_eq!(first["room_name"], room["name"], "real room names");
    assert_eq!(first["from"], from.to_string());

    let update = json!({"values": [{"date": from.to_string(), "room_id": room_id, "avail": 1, "is_opened": 1}]});
    ok(call(&client, "update_availability", update).await);
    let after = ok(call(&client, "get_availability", args).await);
    assert_eq!(
        after["availability"][0]["qty"], 1,
        "the write changed what the PMS holds"
    );

    let bookings = ok(call(&client, "get_bookings", json!({"limit": 5})).await);
    let total = snapshot["bookings"].as_array().unwrap().len();
    assert_eq!(bookings["total"], total);
    assert_eq!(bookings["returned"], 5);
    assert!(bookings["next_cursor"].is_string());
    let booking = bookings["data"][0].clone();
    let guest = booking["client"]["name"].as_str().unwrap().to_owned();
    let found = ok(call(&client, "get_bookings", json!({"query": guest})).await);
    assert!(
        found["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["booking_id"] == booking["booking_id"])
    );

    let offers = ok(call(
        &client,
        "get_booking_offers",
        json!({
            "date_from": from.to_string(), "nights": 2, "guests": [{"adults": 2}]
        }),
    )
    .await);
    let active = snapshot["settings"]["booking_modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["is_active"] == 1)
        .unwrap()["code"]
        .clone();
    assert_eq!(offers["bm_code"], active, "the first active booking module");
    assert!(!offers["data"].as_array().unwrap().is_empty());

    let revision = booking["revision_id"].clone();
    let item = booking["booking_items"][0]["booking_item_id"].clone();
    ok(call(&client, "ack_booking", json!({"revision_id": revision, "booking_items": [{"booking_item_id": item, "ext_reservation_id": "PMS-1"}]})).await);
    ok(call(
        &client,
        "post_room_assignment",
        json!({"items": [{"booking_item_id": item, "room_number": "204"}]}),
    )
    .await);
    ok(call(
        &client,
        "post_external_property_data",
        json!({"data": {"sysres": "BOOKING", "external_property_id": "123456"}}),
    )
    .await);
    let state = held().to_string();
    assert!(
        state.contains("PMS-1") && state.contains("\"204\"") && state.contains("123456"),
        "writes are held by the PMS"
    );

    ok(call(
        &client,
        "send_quendoo_email",
        json!({"to": "guest@example.com", "subject": "Welcome", "message": "See you soon"}),
    )
    .await);
    ok(call(
        &client,
        "make_call",
        json!({"phone": "+359888123456", "message": "Your room is ready", "language": "en-US"}),
    )
    .await);
    let outbox = app.sim.outbox();
    let sent: Vec<(&str, &str)> = outbox
        .iter()
        .map(|m| (m.kind.as_str(), m.bearer.as_str()))
        .collect();
    assert_eq!(
        sent,
        vec![
            ("email", hotel.spec.email_bearer.as_str()),
            ("call", hotel.spec.automation_bearer.as_str())
        ],
        "each service got the hotel's own credential"
    );
    assert_eq!(outbox[0].body["to"], "guest@example.com");

    let audited = app
        .state
        .store
        .audit(&quendoo_mcp::storage::AuditQuery {
            tenant: Some(hotel.tenant.clone()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .entries;
    assert!(
        audited.len() >= 14,
        "every call is audited: {}",
        audited.len()
    );
    let _: Value = serde_json::to_value(&audited).unwrap();
    client.cancel().await.ok();
}
