//! Every write: the exact body that arrived, the answer, and the state change.

use quendoo_api::{
    AckBooking, AckItem, AvailabilityValue, Email, Error, RoomAssignment, RoomAssignmentItem,
    Service, Sysres, VoiceCall,
};
use serde_json::{Map, Value, json};

use crate::helpers::{pairs, spawn, spawn_with};

#[tokio::test]
async fn availability_updates_are_read_back() {
    let app = spawn("writes-availability").await;
    let key = app.key();
    let rooms = app.room_ids();
    let (night, next) = (app.day(5), app.day(6));
    let values = vec![
        AvailabilityValue {
            date: night,
            room_id: Some(rooms[0]),
            ext_room_id: None,
            avail: Some(4),
            qty: Some(8),
            is_opened: Some(1),
        },
        AvailabilityValue {
            date: next,
            room_id: None,
            ext_room_id: Some(format!("EXT-{}", rooms[1])),
            avail: None,
            qty: None,
            is_opened: Some(0),
        },
    ];
    let answer = app
        .client
        .update_availability(&key, &values)
        .await
        .expect("update");
    assert_eq!(answer, json!({"success": true, "updated": 2}));

    let requests = app.sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        "/api/pms/v1/Availability/updateAvailability"
    );
    assert_eq!(
        requests[0].query,
        pairs(&[("api_key", "writes-availability")])
    );
    let expected_body = json!({"values": [
        {"date": night.to_string(), "room_id": rooms[0], "avail": 4, "qty": 8, "is_opened": 1},
        {"date": next.to_string(), "ext_room_id": format!("EXT-{}", rooms[1]), "is_opened": 0},
    ]});
    assert_eq!(requests[0].body, Some(expected_body));

    let qdo = app
        .client
        .get_availability(&key, night, night, Sysres::Qdo)
        .await
        .expect("read");
    assert_eq!(qdo[rooms[0].to_string()][night.to_string()], 4);
    let ext = app
        .client
        .get_availability(&key, next, next, Sysres::Ext)
        .await
        .expect("read");
    assert_eq!(ext[rooms[1].to_string()][next.to_string()], 0);
    let inventory = &app.snapshot()["inventory"];
    assert_eq!(
        inventory["qdo"][rooms[0].to_string()][night.to_string()],
        json!({"avail": 4, "qty": 8, "is_opened": 1})
    );
    assert_eq!(
        inventory["ext"][rooms[1].to_string()][next.to_string()]["is_opened"],
        0
    );
}

#[tokio::test]
async fn acks_and_room_assignments_change_the_bookings() {
    let app = spawn("writes-bookings").await;
    let key = app.key();
    let booking = app.snapshot()["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["acknowledged"] == false)
        .expect("an unacknowledged booking")
        .clone();
    let revision_id = booking["revision_id"].as_i64().expect("revision");
    let item_id = booking["booking_items"][0]["booking_item_id"]
        .as_i64()
        .expect("item");

    let ack = AckBooking {
        revision_id,
        booking_items: Some(vec![AckItem {
            booking_item_id: item_id,
            ext_reservation_id: Some("PMS-5531".to_owned()),
        }]),
    };
    let answer = app.client.ack_booking(&key, &ack).await.expect("ack");
    assert_eq!(answer["acknowledged"], true);
    let assignment = RoomAssignment {
        items: vec![RoomAssignmentItem {
            booking_item_id: item_id,
            room_number: "204".to_owned(),
            self_checkin_code: None,
        }],
    };
    let answer = app
        .client
        .post_room_assignment(&key, &assignment)
        .await
        .expect("assign");
    assert_eq!(answer, json!({"success": true, "assigned": 1}));

    let bodies: Vec<(String, Option<Value>)> = app
        .sim
        .requests()
        .into_iter()
        .map(|r| (r.path, r.body))
        .collect();
    assert_eq!(
        bodies,
        vec![
            (
                "/api/pms/v1/Booking/ackBooking".to_owned(),
                Some(
                    json!({"revision_id": revision_id, "booking_items": [{"booking_item_id": item_id, "ext_reservation_id": "PMS-5531"}]})
                )
            ),
            (
                "/api/pms/v1/Booking/postRoomAssignment".to_owned(),
                Some(json!({"items": [{"booking_item_id": item_id, "room_number": "204"}]}))
            ),
        ]
    );

    let bookings = app.client.get_bookings(&key).await.expect("bookings");
    assert_eq!(bookings, app.snapshot()["bookings"]);
    let stored = bookings
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["revision_id"] == revision_id)
        .expect("the booking");
    assert_eq!(stored["acknowledged"], true);
    assert_eq!(stored["booking_items"][0]["ext_reservation_id"], "PMS-5531");
    assert_eq!(stored["booking_items"][0]["room_number"], "204");

    // Without items, the body has no `booking_items` at all.
    let bare = AckBooking {
        revision_id,
        booking_items: None,
    };
    app.client.ack_booking(&key, &bare).await.expect("ack");
    let last = app.sim.requests().pop().expect("a request");
    assert_eq!(last.body, Some(json!({"revision_id": revision_id})));
}

#[tokio::test]
async fn external_property_data_passes_through_and_an_empty_answer_is_a_status() {
    let app = spawn("writes-external").await;
    let mut data = Map::new();
    data.insert("sysres".to_owned(), json!("BOOKING"));
    data.insert("external_property_id".to_owned(), json!("123456"));
    data.insert("extra".to_owned(), json!({"nested": [1, 2]}));
    let answer = app
        .client
        .post_external_property_data(&app.key(), &data)
        .await
        .expect("post");
    assert_eq!(answer, json!({"status": 200}));
    let request = app.sim.requests().pop().expect("a request");
    assert_eq!(
        request.path,
        "/api/pms/v1/Property/postExternalPropertyData"
    );
    assert_eq!(request.query, pairs(&[("api_key", "writes-external")]));
    assert_eq!(request.body, Some(Value::Object(data.clone())));
    assert_eq!(app.snapshot()["external_data"], json!([data]));
}

#[tokio::test]
async fn email_and_call_reach_the_outbox_with_their_bearers() {
    let app = spawn("writes-comms").await;
    let email = Email {
        to: "guest@example.com".to_owned(),
        subject: "Your stay".to_owned(),
        message: "<p>Welcome</p>".to_owned(),
        html: true,
    };
    let answer = app
        .client
        .send_email(&app.email_bearer(), &email)
        .await
        .expect("email");
    assert!(
        answer["details"]
            .as_str()
            .is_some_and(|d| d.contains("guest@example.com"))
    );
    let call = VoiceCall {
        phone: "+359 88 123 4567".to_owned(),
        message: "Your room is ready".to_owned(),
        language: "bg-BG".to_owned(),
    };
    app.client
        .make_call(&app.automation_bearer(), &call)
        .await
        .expect("call");

    let requests = app.sim.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/email/send_quendoo_email")
    );
    assert_eq!(requests[0].query, vec![], "no key in the query");
    assert_eq!(
        requests[0].body,
        Some(
            json!({"to": "guest@example.com", "subject": "Your stay", "message": "<p>Welcome</p>", "html": true})
        )
    );
    assert_eq!(requests[1].path, "/automation/make_call");
    assert_eq!(
        requests[1].body,
        Some(
            json!({"phone": "+359 88 123 4567", "message": "Your room is ready", "language": "bg-BG"})
        )
    );

    let outbox = app.sim.outbox();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        (outbox[0].kind.as_str(), outbox[0].bearer.as_str()),
        ("email", "writes-comms-email")
    );
    assert_eq!(
        (outbox[1].kind.as_str(), outbox[1].bearer.as_str()),
        ("call", "writes-comms-automation")
    );

    // The e-mail service's bearer does not open the voice-call service.
    let err = app
        .client
        .make_call(&app.email_bearer(), &call)
        .await
        .expect_err("rejected");
    assert!(
        matches!(
            err,
            Error::KeyRejected {
                service: Service::VoiceCall,
                status: 401
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the voice-call service rejected QUENDOO_AUTOMATION_BEARER (HTTP 401)"
    );
}

#[tokio::test]
async fn comms_without_a_configured_url_are_not_configured() {
    let app = spawn_with("writes-unconfigured", |config| {
        config.email_base_url = None;
        config.automation_base_url = None;
    })
    .await;
    let email = Email {
        to: "a@example.com".to_owned(),
        subject: "s".to_owned(),
        message: "m".to_owned(),
        html: false,
    };
    let err = app
        .client
        .send_email(&app.email_bearer(), &email)
        .await
        .expect_err("unset");
    assert!(matches!(
        err,
        Error::NotConfigured {
            service: Service::Email
        }
    ));
    let call = VoiceCall {
        phone: "+359881234567".to_owned(),
        message: "m".to_owned(),
        language: "en-US".to_owned(),
    };
    let err = app
        .client
        .make_call(&app.automation_bearer(), &call)
        .await
        .expect_err("unset");
    assert!(matches!(
        err,
        Error::NotConfigured {
            service: Service::VoiceCall
        }
    ));
    assert!(app.sim.requests().is_empty());
}
