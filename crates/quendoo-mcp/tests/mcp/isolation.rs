//! Two hotels on two keys: every upstream request made for a hotel carries
//! that hotel's key, and one hotel's token never reaches the other's data.

use serde_json::json;

use crate::{app::TestApp, call, connect, ok};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await; each_hotel_reaches_only_its_own_property);

async fn each_hotel_reaches_only_its_own_property(app: TestApp) {
    let a = app.hotel("Hotel A").await;
    let b = app.hotel("Hotel B").await;
    let (client_a, client_b) = (connect(&app, &a.token).await, connect(&app, &b.token).await);

    for (hotel, client) in [(&a, &client_a), (&b, &client_b)] {
        app.sim.clear_requests();
        let settings = ok(call(client, "get_property_settings", json!({})).await);
        ok(call(client, "get_bookings", json!({"limit": 1})).await);
        let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
        assert_eq!(
            settings["data"]["property"], held["settings"]["property"],
            "{}",
            hotel.tenant
        );
        let requests = app.sim.requests();
        assert!(!requests.is_empty());
        for request in requests {
            assert_eq!(
                request.api_key.as_deref(),
                Some(hotel.spec.api_key.as_str()),
                "{}",
                request.path
            );
        }
    }
    let name = |hotel: &crate::app::Hotel| {
        app.sim.snapshot(&hotel.spec.api_key).unwrap()["settings"]["property"]["name"].clone()
    };
    assert_ne!(
        name(&a),
        name(&b),
        "the two properties are different hotels"
    );
    for client in [client_a, client_b] {
        client.cancel().await.ok();
    }
}
