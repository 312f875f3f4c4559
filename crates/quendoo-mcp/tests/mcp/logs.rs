//! Nothing secret reaches the log: every line the server writes at TRACE
//! level while serving a hotel (successes, validation errors, upstream
//! failures that echo the request) is checked for the hotel's keys, its
//! token and its guests' data, under the server's own logging cap.

use quendoo_sim::Fault;
use serde_json::json;

use crate::{app::TestApp, call, connect, support::logs};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await; no_secret_or_guest_data_in_the_log);

async fn no_secret_or_guest_data_in_the_log(app: TestApp) {
    logs::capture();
    let hotel = app.hotel("Quiet").await;
    let client = connect(&app, &hotel.token).await;
    let guest = app.sim.snapshot(&hotel.spec.api_key).unwrap()["bookings"][0]["client"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    call(&client, "get_bookings", json!({"limit": 3})).await;
    call(&client, "get_bookings", json!({"query": guest})).await;
    call(
        &client,
        "send_quendoo_email",
        json!({"to": "guest@example.com", "subject": "s", "message": "m"}),
    )
    .await;
    call(
        &client,
        "make_call",
        json!({"phone": "+359888123456", "message": "m", "language": "bg-BG"}),
    )
    .await;
    call(
        &client,
        "get_availability",
        json!({"date_from": "bad", "date_to": "bad", "sysres": "qdo"}),
    )
    .await;
    for status in [400, 401, 500] {
        app.sim.set_fault(Fault {
            api_key: Some(hotel.spec.api_key.clone()),
            status: Some(status),
            times: Some(1),
            ..Fault::default()
        });
        call(&client, "get_property_settings", json!({})).await;
    }
    client.cancel().await.ok();

    let text = logs::text();
    assert!(
        text.contains("tool call"),
        "the capture works: {}",
        text.len()
    );
    for secret in [
        &hotel.spec.api_key,
        &hotel.spec.email_bearer,
        &hotel.spec.automation_bearer,
        &hotel.token,
        &guest,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "`{secret}` reached the log"
        );
    }
}
