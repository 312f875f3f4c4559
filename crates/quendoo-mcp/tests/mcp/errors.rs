//! Bad arguments, missing credentials and every upstream failure kind come
//! back as `isError` results that say what to do, with no secret in them.

use quendoo_mcp::domain::KeyName;
use quendoo_sim::{Fault, FaultBody};
use serde_json::json;

use crate::{app::TestApp, call, connect, failure};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await;
    bad_arguments_are_refused_before_any_upstream_call,
    a_hotel_without_keys_is_told_how_to_add_them,
    upstream_failures_are_explained,
    unknown_tools_are_protocol_errors,
);

async fn bad_arguments_are_refused_before_any_upstream_call(app: TestApp) {
    let hotel = app.hotel("Validation").await;
    let client = connect(&app, &hotel.token).await;
    app.sim.clear_requests();
    let cases = [
        (
            "get_availability",
            json!({"date_from": "2026-02-30", "date_to": "2026-03-01", "sysres": "qdo"}),
            "date_from",
        ),
        (
            "get_availability",
            json!({"date_from": "2026-03-10", "date_to": "2026-03-01", "sysres": "qdo"}),
            "date_to",
        ),
        (
            "get_availability",
            json!({"date_from": "2026-03-01", "date_to": "2026-03-02", "sysres": "web"}),
            "sysres",
        ),
        (
            "get_booking_offers",
            json!({"date_from": "2026-03-01", "nights": 61, "guests": [{"adults": 2}]}),
            "nights",
        ),
        (
            "get_booking_offers",
            json!({"date_from": "2026-03-01", "nights": 2, "guests": []}),
            "guests",
        ),
        (
            "get_booking_offers",
            json!({"date_from": "2026-03-01", "nights": 2, "guests": [{"adults": 2, "children_by_ages": [18]}]}),
            "children_by_ages",
        ),
        ("get_bookings", json!({"limit": 500}), "limit"),
        (
            "update_availability",
            json!({"values": [{"date": "2026-03-01", "avail": 2}]}),
            "room_id",
        ),
        (
            "send_quendoo_email",
            json!({"to": "nobody", "subject": "s", "message": "m"}),
            "to",
        ),
        (
            "make_call",
            json!({"phone": "call me", "message": "m", "language": "en-US"}),
            "phone",
        ),
        ("ack_booking", json!({}), "revision_id"),
    ];
    for (tool, arguments, field) in cases {
        let text = failure(call(&client, tool, arguments.clone()).await);
        assert!(text.contains(field), "{tool} {arguments}: {text}");
    }
    assert!(
        app.sim.requests().is_empty(),
        "no upstream call for bad arguments"
    );
    client.cancel().await.ok();
}

async fn a_hotel_without_keys_is_told_how_to_add_them(app: TestApp) {
    let hotel = app.hotel_without_keys("No keys").await;
    let client = connect(&app, &hotel.token).await;
    let text = failure(call(&client, "get_bookings", json!({})).await);
    assert!(
        text.contains("QUENDOO_API_KEY") && text.contains("/admin/api-keys"),
        "{text}"
    );
    app.state
        .secrets
        .set(
            &hotel.tenant,
            KeyName::QuendooApiKey,
            &hotel.spec.api_key.clone().into(),
        )
        .await
        .unwrap();
    let text = failure(
        call(
            &client,
            "send_quendoo_email",
            json!({"to": "a@b.example", "subject": "s", "message": "m"}),
        )
        .await,
    );
    assert!(text.contains("EMAIL_API_KEY"), "{text}");
    client.cancel().await.ok();
}

async fn upstream_failures_are_explained(app: TestApp) {
    let hotel = app.hotel("Faults").await;
    let client = connect(&app, &hotel.token).await;
    let key = Some(hotel.spec.api_key.clone());
    let cases: [(Fault, &[&str]); 8] = [
        (
            Fault {
                status: Some(401),
                ..Fault::default()
            },
            &["rejected", "QUENDOO_API_KEY", "/admin/api-keys"],
        ),
        (
            Fault {
                status: Some(400),
                ..Fault::default()
            },
            &["refused the request", "HTTP 400"],
        ),
        (
            Fault {
                status: Some(503),
                ..Fault::default()
            },
            &["unavailable", "503"],
        ),
        (
            Fault {
                status: Some(429),
                retry_after: Some(0),
                ..Fault::default()
            },
            &["rate limiting"],
        ),
        (
            Fault {
                hang: true,
                ..Fault::default()
            },
            &["did not answer", "3.0 s"],
        ),
        (
            Fault {
                body: Some(FaultBody::Malformed),
                ..Fault::default()
            },
            &["expected JSON"],
        ),
        (
            Fault {
                body: Some(FaultBody::Oversized),
                ..Fault::default()
            },
            &["larger than", "limit"],
        ),
        (
            Fault {
                status: Some(522),
                ..Fault::default()
            },
            &["unavailable", "522"],
        ),
    ];
    for (fault, expected) in cases {
        app.sim.clear_faults();
        app.sim.set_fault(Fault {
            api_key: key.clone(),
            ..fault.clone()
        });
        let text = failure(call(&client, "get_bookings", json!({})).await);
        for phrase in expected {
            assert!(
                text.contains(phrase),
                "{fault:?}: `{phrase}` missing from: {text}"
            );
        }
        assert!(
            !text.contains(&hotel.spec.api_key),
            "the key leaked: {text}"
        );
    }
    app.sim.clear_faults();
    client.cancel().await.ok();
}

async fn unknown_tools_are_protocol_errors(app: TestApp) {
    let hotel = app.hotel("Unknown").await;
    let client = connect(&app, &hotel.token).await;
    let error = client
        .call_tool(rmcp::model::CallToolRequestParams::new("drop_all_bookings"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("drop_all_bookings"), "{error}");
    client.cancel().await.ok();
}

mod deadline {
    use std::time::Duration;

    use quendoo_sim::Fault;
    use serde_json::json;

    use crate::{app::TestApp, call, connect, failure, ok};

    on_both_backends!(
        |db| crate::app::TestApp::spawn_with(db, super::tight_deadline).await;
        a_hanging_pms_is_answered_within_the_deadline,
    );

    fn tight_deadline(serve: &mut quendoo_mcp::config::ServeArgs) {
        serve.tool_call_timeout = Duration::from_secs(1);
        serve.quendoo_request_timeout = Duration::from_secs(30);
    }

    /// One hotel's PMS hangs: its calls end at TOOL_CALL_TIMEOUT with words
    /// that tell a read from a write; another hotel's calls are answered.
    async fn a_hanging_pms_is_answered_within_the_deadline(app: TestApp) {
        let (stuck, fine) = (app.hotel("Stuck").await, app.hotel("Fine").await);
        app.sim.set_fault(Fault {
            api_key: Some(stuck.spec.api_key.clone()),
            hang: true,
            ..Fault::default()
        });
        let (client, other) = (
            connect(&app, &stuck.token).await,
            connect(&app, &fine.token).await,
        );
        let read = failure(call(&client, "get_bookings", json!({"limit": 1})).await);
        assert!(
            read.contains("TOOL_CALL_TIMEOUT") && read.contains("Try again later"),
            "{read}"
        );
        let write = failure(call(&client, "ack_booking", json!({"revision_id": 1})).await);
        assert!(write.contains("may or may not have been made"), "{write}");
        ok(call(&other, "get_bookings", json!({"limit": 1})).await);
        for client in [client, other] {
            client.cancel().await.ok();
        }
    }
}

mod limits {
    use serde_json::json;

    use crate::{app::TestApp, call, connect, failure, ok};

    on_both_backends!(
        |db| crate::app::TestApp::spawn_with(db, |serve| serve.comms_hourly_limit = 2).await;
        reaching_people_stops_at_the_hourly_limit,
    );

    async fn reaching_people_stops_at_the_hourly_limit(app: TestApp) {
        let hotel = app.hotel("Limited").await;
        app.direct_writes(&hotel).await;
        let client = connect(&app, &hotel.token).await;
        let email = json!({"to": "guest@example.com", "subject": "s", "message": "m"});
        for _ in 0..2 {
            ok(call(&client, "send_quendoo_email", email.clone()).await);
        }
        let refused = call(&client, "send_quendoo_email", email.clone()).await;
        let wait = refused.structured_content.clone().expect("when to retry");
        assert_eq!(wait["error"], "limit_reached");
        let seconds = wait["retry_after_s"].as_u64().unwrap();
        assert!((3500..=3600).contains(&seconds), "{wait}");
        let text = failure(refused);
        assert!(
            text.contains("limit of 2")
                && text.contains("COMMS_HOURLY_LIMIT")
                && text.contains("in 60 min"),
            "{text}"
        );
        // Calls are counted apart from e-mails, and each hotel apart.
        let voice = json!({"phone": "+359888123456", "message": "m", "language": "en-US"});
        ok(call(&client, "make_call", voice).await);
        let other = app.hotel("Not limited").await;
        app.direct_writes(&other).await;
        let other_client = connect(&app, &other.token).await;
        ok(call(&other_client, "send_quendoo_email", email).await);
        let sent = |bearer: &str| {
            app.sim
                .outbox()
                .iter()
                .filter(|m| m.bearer == bearer)
                .count()
        };
        assert_eq!(
            sent(&hotel.spec.email_bearer),
            2,
            "nothing went out past the limit"
        );
        assert_eq!(sent(&other.spec.email_bearer), 1);
        for client in [client, other_client] {
            client.cancel().await.ok();
        }
    }

    /// 50 e-mails at once against a cap of 5, on one server or spread over
    /// two replicas: 5 go out, 45 are refused, whatever the interleaving.
    async fn burst(app: &TestApp, addrs: &[std::net::SocketAddr]) {
        let hotel = app.hotel("Burst").await;
        app.direct_writes(&hotel).await;
        let calls = (0..50).map(|i| {
            let addr = addrs[i % addrs.len()];
            let token = hotel.token.clone();
            async move {
                let body = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
                    "name": "send_quendoo_email",
                    "arguments": {"to": "guest@example.com", "subject": "s", "message": "m"}}});
                let answer = crate::post_rpc(addr, &token, &body).await;
                answer["result"]["isError"] == json!(false)
            }
        });
        let succeeded = futures::future::join_all(calls)
            .await
            .into_iter()
            .filter(|ok| *ok)
            .count();
        let sent = app
            .sim
            .outbox()
            .iter()
            .filter(|m| m.bearer == hotel.spec.email_bearer)
            .count();
        assert_eq!((succeeded, sent), (5, 5));
    }

    fn cap_of_five(serve: &mut quendoo_mcp::config::ServeArgs) {
        serve.comms_hourly_limit = 5;
    }

    #[tokio::test]
    async fn a_burst_sends_no_more_than_the_cap() {
        let app = TestApp::spawn_with(crate::support::TestDb::sqlite().await, cap_of_five).await;
        burst(&app, &[app.addr]).await;
    }

    #[tokio::test]
    async fn a_burst_over_two_replicas_sends_no_more_than_the_cap() {
        let app = TestApp::spawn_with(crate::support::TestDb::postgres().await, cap_of_five).await;
        let other = app.replica(|_| {}).await;
        burst(&app, &[app.addr, other.addr]).await;
        other.shut_down().await.unwrap();
    }
}
