//! Resources, prompts and completions end to end, for two hotels at once:
//! each sees only its own property, on both revisions and on the legacy
//! transport.

use rmcp::{
    ServiceError,
    model::{ErrorCode, GetPromptRequestParams, ReadResourceRequestParams, ResourceContents},
};
use serde_json::{Value, json};

use crate::{
    Client,
    app::{Hotel, TestApp},
    connect, connect_2026,
};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await; each_hotel_reads_its_own_property);

async fn read_json(client: &Client, uri: &str) -> Value {
    let read = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap_or_else(|e| panic!("{uri}: {e}"));
    let [
        ResourceContents::TextResourceContents {
            uri: got,
            mime_type,
            text,
            ..
        },
    ] = read.contents.as_slice()
    else {
        panic!("{uri}: one text content expected: {read:?}")
    };
    assert_eq!(got, uri);
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    serde_json::from_str(text).unwrap()
}

fn error_code(error: ServiceError) -> ErrorCode {
    match error {
        ServiceError::McpError(error) => error.code,
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

fn room_names(app: &TestApp, hotel: &Hotel) -> Vec<String> {
    let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    held["settings"]["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|room| room["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn each_hotel_reads_its_own_property(app: TestApp) {
    let (a, b) = (app.hotel("Hotel A").await, app.hotel("Hotel B").await);
    let (client_a, client_b) = (
        connect_2026(&app, &a.token).await,
        connect(&app, &b.token).await,
    );

    for (hotel, client) in [(&a, &client_a), (&b, &client_b)] {
        let listed = client.list_resources(None).await.unwrap();
        let uris: Vec<&str> = listed.resources.iter().map(|r| r.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "quendoo://property/settings",
                "quendoo://property/rooms",
                "quendoo://property/booking-modules"
            ]
        );
        let templates = client.list_resource_templates(None).await.unwrap();
        assert_eq!(
            templates.resource_templates[0].uri_template,
            "quendoo://availability/{date_from}/{date_to}"
        );

        let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
        let settings = read_json(client, "quendoo://property/settings").await;
        assert_eq!(settings["data"]["property"], held["settings"]["property"]);
        let modules = read_json(client, "quendoo://property/booking-modules").await;
        assert_eq!(
            modules["data"]["booking_modules"],
            held["settings"]["booking_modules"]
        );
        assert!(
            modules["data"].get("rooms").is_none(),
            "only the modules: {modules}"
        );
        let rooms = read_json(client, "quendoo://property/rooms").await;
        assert!(!rooms["data"].as_array().unwrap().is_empty());
        let today = chrono::Utc::now().date_naive();
        let uri = format!(
            "quendoo://availability/{today}/{}",
            today + chrono::Days::new(2)
        );
        let availability = read_json(client, &uri).await;
        assert!(
            !availability["availability"].as_array().unwrap().is_empty(),
            "{availability}"
        );

        // Completion offers this hotel's room names, and dates.
        let names = client
            .complete_prompt_argument("availability_outlook", "room_type", "", None)
            .await
            .unwrap();
        assert_eq!(names.values, room_names(&app, hotel));
        let first = &room_names(&app, hotel)[0];
        let typed: String = first.chars().take(4).collect();
        let narrowed = client
            .complete_prompt_argument("availability_outlook", "room_type", &typed, None)
            .await
            .unwrap();
        assert!(narrowed.values.contains(first), "{narrowed:?}");
        let dates = client
            .complete_resource_argument(
                "quendoo://availability/{date_from}/{date_to}",
                "date_from",
                "",
                None,
            )
            .await
            .unwrap();
        assert_eq!(dates.values[0], today.to_string());
    }
    // Room names alone can match (each hotel has 9-11 of 12 kinds); the
    // simulator keeps each property's id and name its own.
    let property = |hotel: &Hotel| {
        app.sim.snapshot(&hotel.spec.api_key).unwrap()["settings"]["property"].clone()
    };
    assert_ne!(property(&a), property(&b), "two different hotels");

    // Errors a client can act on.
    let unknown = client_b
        .read_resource(ReadResourceRequestParams::new("quendoo://property/secrets"))
        .await
        .unwrap_err();
    assert_eq!(error_code(unknown), ErrorCode::RESOURCE_NOT_FOUND);
    let unknown = client_a
        .read_resource(ReadResourceRequestParams::new("quendoo://property/secrets"))
        .await
        .unwrap_err();
    // Revision 2026-07-28 reports a missing resource as invalid params.
    assert_eq!(error_code(unknown), ErrorCode::INVALID_PARAMS);
    let bad_dates = client_b
        .read_resource(ReadResourceRequestParams::new(
            "quendoo://availability/2026-01-05/2026-01-01",
        ))
        .await
        .unwrap_err();
    assert_eq!(error_code(bad_dates), ErrorCode::INVALID_PARAMS);

    // Prompts: the same four for everyone, filled in per request.
    for client in [&client_a, &client_b] {
        let prompts = client.list_prompts(None).await.unwrap();
        let names: Vec<&str> = prompts.prompts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "arrivals_and_departures",
                "availability_outlook",
                "unacknowledged_bookings",
                "find_guest"
            ]
        );
    }
    let arguments = json!({"date": "2026-12-24"}).as_object().cloned().unwrap();
    let prompt = client_a
        .get_prompt(
            GetPromptRequestParams::new("arrivals_and_departures").with_arguments(arguments),
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&prompt.messages).unwrap();
    assert!(
        text.contains("arrival_from=2026-12-24") && text.contains("get_bookings"),
        "{text}"
    );
    let missing = client_a
        .get_prompt(GetPromptRequestParams::new("find_guest"))
        .await
        .unwrap_err();
    assert_eq!(error_code(missing), ErrorCode::INVALID_PARAMS);

    for client in [client_a, client_b] {
        client.cancel().await.ok();
    }
}

/// The legacy transport serves the same resources and prompts, for the
/// hotel whose key is sent.
#[tokio::test]
async fn the_legacy_transport_serves_resources_and_prompts() {
    let app = TestApp::spawn(crate::support::TestDb::sqlite().await).await;
    let hotel = app.hotel("Legacy").await;
    let post = |body: Value| {
        let key = hotel.spec.api_key.clone();
        let url = app.url("/messages/?session_id=task_resources");
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("X-Quendoo-Api-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let listed = post(json!({"id": 1, "method": "resources/list"})).await;
    assert_eq!(
        listed["result"]["resources"].as_array().unwrap().len(),
        3,
        "{listed}"
    );
    let read = post(json!({"id": 2, "method": "resources/read",
                           "params": {"uri": "quendoo://property/settings"}}))
    .await;
    let text = read["result"]["contents"][0]["text"].as_str().unwrap();
    let settings: Value = serde_json::from_str(text).unwrap();
    let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    assert_eq!(settings["data"]["property"], held["settings"]["property"]);
    let prompts = post(json!({"id": 3, "method": "prompts/list"})).await;
    assert_eq!(prompts["result"]["prompts"].as_array().unwrap().len(), 4);
    let prompt = post(json!({"id": 4, "method": "prompts/get",
                             "params": {"name": "find_guest", "arguments": {"name": "Petrova"}}}))
    .await;
    assert!(
        prompt["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("Petrova")
    );
    let completion = post(json!({"id": 5, "method": "completion/complete", "params": {
        "ref": {"type": "ref/prompt", "name": "availability_outlook"},
        "argument": {"name": "days", "value": "3"}}}))
    .await;
    assert_eq!(completion["result"]["completion"]["values"], json!(["30"]));
    let missing = post(json!({"id": 6, "method": "resources/read"})).await;
    assert_eq!(missing["error"]["code"], -32602);
}
