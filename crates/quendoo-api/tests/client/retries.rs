//! GETs are retried on transient failures; writes never are.

use quendoo_api::{AvailabilityValue, Email, Error, Service, VoiceCall};
use quendoo_sim::Fault;
use serde_json::{Value, json};

use crate::helpers::{spawn, spawn_with};

fn unavailable(times: Option<u32>) -> Fault {
    Fault {
        status: Some(503),
        times,
        ..Fault::default()
    }
}

#[tokio::test]
async fn a_get_is_retried_until_it_succeeds() {
    let app = spawn("retries-get").await;
    app.sim.set_fault(unavailable(Some(2)));
    let bookings = app
        .client
        .get_bookings(&app.key())
        .await
        .expect("third time lucky");
    assert_eq!(bookings, app.snapshot()["bookings"]);
    let requests = app.sim.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests.iter().all(|r| r.query == requests[0].query),
        "the same request each time"
    );
}

#[tokio::test]
async fn a_get_gives_up_after_max_retries() {
    let app = spawn("retries-give-up").await;
    app.sim.set_fault(Fault {
        status: Some(522),
        ..Fault::default()
    });
    let err = app
        .client
        .get_rooms_details::<Value>(&app.key(), None, None)
        .await
        .expect_err("down");
    assert!(
        matches!(err, Error::Unavailable { status: 522, .. }),
        "{err:?}"
    );
    assert_eq!(app.sim.requests().len(), 3, "one try and two retries");

    let once = spawn_with("retries-none", |c| c.max_retries = 0).await;
    once.sim.set_fault(unavailable(None));
    once.client
        .get_bookings(&once.key())
        .await
        .expect_err("down");
    assert_eq!(once.sim.requests().len(), 1);
}

#[tokio::test]
async fn a_write_is_never_retried() {
    let app = spawn("retries-post").await;
    let key = app.key();
    let before = app.snapshot();
    app.sim.set_fault(unavailable(Some(1)));
    let value = AvailabilityValue {
        date: app.day(1),
        room_id: Some(app.room_ids()[0]),
        ext_room_id: None,
        avail: Some(0),
        qty: None,
        is_opened: None,
    };
    let err = app
        .client
        .update_availability(&key, &[value])
        .await
        .expect_err("503");
    assert!(
        matches!(err, Error::Unavailable { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(app.sim.requests().len(), 1);
    assert_eq!(app.snapshot(), before, "nothing changed");

    // Neither are rate-limited writes, whatever Retry-After says.
    app.sim.set_fault(Fault {
        status: Some(429),
        retry_after: Some(0),
        times: Some(1),
        ..Fault::default()
    });
    let data = json!({"external_property_id": "1"})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let err = app
        .client
        .post_external_property_data(&key, &data)
        .await
        .expect_err("429");
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(app.sim.requests().len(), 2);
}

#[tokio::test]
async fn messages_to_people_are_never_retried() {
    let app = spawn("retries-comms").await;
    app.sim.set_fault(unavailable(None));
    let email = Email {
        to: "guest@example.com".to_owned(),
        subject: "s".to_owned(),
        message: "m".to_owned(),
        html: false,
    };
    let err = app
        .client
        .send_email(&app.email_bearer(), &email)
        .await
        .expect_err("503");
    assert!(
        matches!(
            err,
            Error::Unavailable {
                service: Service::Email,
                ..
            }
        ),
        "{err:?}"
    );
    let call = VoiceCall {
        phone: "+359881234567".to_owned(),
        message: "m".to_owned(),
        language: "en-US".to_owned(),
    };
    let err = app
        .client
        .make_call(&app.automation_bearer(), &call)
        .await
        .expect_err("503");
    assert!(
        matches!(
            err,
            Error::Unavailable {
                service: Service::VoiceCall,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(app.sim.requests().len(), 2);
    assert!(app.sim.outbox().is_empty());
}
