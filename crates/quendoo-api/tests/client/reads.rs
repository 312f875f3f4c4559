//! Every read: the exact query that arrived and the result against the
//! simulator's own state.

use quendoo_api::{AvailabilityValue, GuestRoom, OffersQuery, Sysres};
use serde_json::{Value, json, value::RawValue};

use crate::helpers::{pairs, spawn};

#[tokio::test]
async fn property_settings_with_language_and_sections() {
    let app = spawn("reads-settings").await;
    let key = app.key();
    let all: Value = app
        .client
        .get_property_settings(&key, None, None)
        .await
        .expect("settings");
    assert_eq!(all, app.snapshot()["settings"]);

    let some: Value = app
        .client
        .get_property_settings(&key, Some("bg"), Some("booking_modules,rooms"))
        .await
        .expect("settings");
    let settings = &app.snapshot()["settings"];
    let expected =
        json!({"booking_modules": settings["booking_modules"], "rooms": settings["rooms"]});
    assert_eq!(some, expected);

    let requests = app.sim.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.method == "GET"
        && r.path == "/api/pms/v1/Property/getPropertySettings"
        && r.body.is_none()
        && r.api_key.as_deref() == Some("reads-settings")));
    assert_eq!(requests[0].query, pairs(&[("api_key", "reads-settings")]));
    assert_eq!(
        requests[1].query,
        pairs(&[
            ("api_key", "reads-settings"),
            ("api_lng", "bg"),
            ("names", "booking_modules,rooms")
        ])
    );
}

#[tokio::test]
async fn rooms_details_all_or_one() {
    let app = spawn("reads-rooms").await;
    let key = app.key();
    let rooms: Value = app
        .client
        .get_rooms_details(&key, Some("en"), None)
        .await
        .expect("rooms");
    assert_eq!(rooms, app.snapshot()["rooms"]);
    // Taken unbuilt, the payload is the same JSON.
    let raw: Box<RawValue> = app
        .client
        .get_rooms_details(&key, Some("en"), None)
        .await
        .expect("rooms");
    assert_eq!(
        serde_json::from_str::<Value>(raw.get()).unwrap(),
        app.snapshot()["rooms"]
    );
    let id = app.room_ids()[2];
    let one: Value = app
        .client
        .get_rooms_details(&key, None, Some(id))
        .await
        .expect("room");
    assert_eq!(one, json!([app.snapshot()["rooms"][2]]));
    assert_eq!(
        app.queries(),
        vec![
            pairs(&[("api_key", "reads-rooms"), ("api_lng", "en")]),
            pairs(&[("api_key", "reads-rooms"), ("api_lng", "en")]),
            pairs(&[("api_key", "reads-rooms"), ("room_id", &id.to_string())]),
        ]
    );
}

#[tokio::test]
async fn availability_matches_the_inventory() {
    let app = spawn("reads-availability").await;
    let key = app.key();
    let (from, to) = (app.day(3), app.day(33));
    for sysres in [Sysres::Qdo, Sysres::Ext] {
        let got = app
            .client
            .get_availability(&key, from, to, sysres)
            .await
            .expect("availability");
        let inventory = &app.snapshot()["inventory"][sysres.as_str()];
        let rooms = inventory.as_object().expect("rooms");
        assert_eq!(got.as_object().expect("rooms").len(), rooms.len());
        for (room, nights) in rooms {
            for date in from.iter_days().take_while(|d| *d <= to) {
                let night = &nights[date.to_string()];
                let sellable = if night["is_opened"] == 1 {
                    night["avail"].clone()
                } else {
                    json!(0)
                };
                assert_eq!(got[room][date.to_string()], sellable, "{room} {date}");
            }
        }
    }
    let from = from.to_string();
    let to = to.to_string();
    let expected = |sysres| {
        pairs(&[
            ("api_key", "reads-availability"),
            ("date_from", &from),
            ("date_to", &to),
            ("sysres", sysres),
        ])
    };
    assert_eq!(app.queries(), vec![expected("qdo"), expected("ext")]);
}

#[tokio::test]
async fn bookings_are_all_returned() {
    let app = spawn("reads-bookings").await;
    let bookings = app.client.get_bookings(&app.key()).await.expect("bookings");
    assert_eq!(bookings, app.snapshot()["bookings"]);
    assert_eq!(app.queries(), vec![pairs(&[("api_key", "reads-bookings")])]);
}

#[tokio::test]
async fn the_active_booking_module_skips_inactive_ones() {
    let app = spawn("reads-module").await;
    let code = app
        .client
        .active_booking_module(&app.key())
        .await
        .expect("a module");
    let modules = app.snapshot()["settings"]["booking_modules"].clone();
    assert_eq!(modules[0]["is_active"], 0);
    assert_eq!(modules[1]["is_active"], 1);
    assert_eq!(Value::String(code), modules[1]["code"]);
    assert_eq!(
        app.queries(),
        vec![pairs(&[
            ("api_key", "reads-module"),
            ("names", "booking_modules")
        ])]
    );
}

#[tokio::test]
async fn offers_send_guests_in_bracket_notation() {
    let app = spawn("reads-offers").await;
    let key = app.key();
    let bm_code = app
        .client
        .active_booking_module(&key)
        .await
        .expect("module");
    // Three rooms of every type free on the three nights.
    let values: Vec<AvailabilityValue> = app
        .room_ids()
        .into_iter()
        .flat_map(|room| (40..43).map(move |d| (room, d)))
        .map(|(room, d)| AvailabilityValue {
            date: app.day(d),
            room_id: Some(room),
            ext_room_id: None,
            avail: Some(3),
            qty: Some(6),
            is_opened: Some(1),
        })
        .collect();
    app.client
        .update_availability(&key, &values)
        .await
        .expect("update");
    app.sim.clear_requests();
    let query = OffersQuery {
        bm_code: bm_code.clone(),
        date_from: app.day(40),
        nights: 3,
        guests: vec![
            GuestRoom {
                adults: 2,
                children_by_ages: vec![5, 11],
            },
            GuestRoom {
                adults: 1,
                children_by_ages: vec![],
            },
        ],
        currency: Some("USD".to_owned()),
        lang: Some("de".to_owned()),
    };
    let offers: Value = app
        .client
        .get_booking_offers(&key, &query)
        .await
        .expect("offers");
    let date_from = app.day(40).to_string();
    assert_eq!(
        app.queries(),
        vec![pairs(&[
            ("api_key", "reads-offers"),
            ("bm_code", &bm_code),
            ("date_from", &date_from),
            ("nights", "3"),
            ("guests[0][adults]", "2"),
            ("guests[0][children_by_ages][0]", "5"),
            ("guests[0][children_by_ages][1]", "11"),
            ("guests[1][adults]", "1"),
            ("currency", "USD"),
            ("api_lng", "de"),
        ])]
    );
    let offers = offers.as_array().expect("a list");
    assert!(!offers.is_empty());
    for offer in offers {
        assert_eq!(offer["currency"], "USD");
        assert_eq!(offer["available_rooms"], 3, "{offer}");
    }
}
