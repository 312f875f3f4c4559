//! Revision 2024-11-05 as standard clients speak it: a POST to an open
//! stream's session gets 202 and its answer comes on the stream; the stream
//! belongs to one hotel; the stream and the POSTs may reach different
//! replicas (PostgreSQL `LISTEN/NOTIFY`, or Redis).

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    app::{Hotel, Replica, TestApp},
    client::{SseStream, post},
    ok,
    support::TestDb,
};

on_both_backends!(|db| db; answers_go_on_the_open_stream, a_stream_belongs_to_one_hotel);

fn initialize(id: u64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "standard", "version": "1"}}})
    .to_string()
}

fn call(id: u64, tool: &str, arguments: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
    .to_string()
}

fn key(hotel: &Hotel) -> [(&'static str, &str); 1] {
    [("X-Quendoo-Api-Key", hotel.spec.api_key.as_str())]
}

async fn answers_go_on_the_open_stream(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let hotel = app.hotel("Standard").await;
    let mut stream = SseStream::open_with(app.addr, &key(&hotel)).await.unwrap();
    let path = stream.endpoint().await.unwrap();

    let reply = post(app.addr, &path, &key(&hotel), &initialize(0)).await;
    assert_eq!(reply.status, 202, "{reply:?}");
    assert!(reply.body.is_empty(), "{reply:?}");
    let init = stream.next_message().await.unwrap();
    assert_eq!(init["id"], 0, "{init}");
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");

    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    assert_eq!(
        post(app.addr, &path, &key(&hotel), initialized)
            .await
            .status,
        202
    );
    let reply = post(
        app.addr,
        &path,
        &key(&hotel),
        &call(1, "get_bookings", json!({"limit": 1})),
    )
    .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let answer = stream.next_message().await.unwrap();
    assert_eq!(answer["id"], 1, "{answer}");
    ok(&answer["result"]);

    // A session this server never issued has no stream: the body answers.
    let reply = post(
        app.addr,
        "/messages/?session_id=task_7",
        &key(&hotel),
        &initialize(2),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["id"], 2);
}

async fn a_stream_belongs_to_one_hotel(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (owner, intruder) = (app.hotel("Owner").await, app.hotel("Intruder").await);

    // Opened with a credential (the hotel key, or a bearer token).
    let bearer = format!("Bearer {}", owner.token);
    for credential in [key(&owner), [("Authorization", bearer.as_str())]] {
        let mut stream = SseStream::open_with(app.addr, &credential).await.unwrap();
        let path = stream.endpoint().await.unwrap();
        app.sim.clear_requests();
        let refused = post(
            app.addr,
            &path,
            &key(&intruder),
            &call(5, "get_bookings", json!({})),
        )
        .await;
        assert_eq!(refused.status, 403, "{refused:?}");
        assert!(
            refused.json()["detail"]
                .as_str()
                .unwrap()
                .contains("another hotel")
        );
        assert!(
            app.sim.requests().is_empty(),
            "nothing ran for the intruder"
        );
        assert_eq!(
            post(app.addr, &path, &key(&owner), &initialize(6))
                .await
                .status,
            202
        );
        assert_eq!(stream.next_message().await.unwrap()["id"], 6);
    }

    // Opened anonymously (as the dashboard does): the first hotel to post owns it.
    let mut stream = SseStream::open(app.addr).await.unwrap();
    let path = stream.endpoint().await.unwrap();
    assert_eq!(
        post(app.addr, &path, &key(&owner), &initialize(0))
            .await
            .status,
        202
    );
    assert_eq!(stream.next_message().await.unwrap()["id"], 0);
    let refused = post(app.addr, &path, &key(&intruder), &initialize(1)).await;
    assert_eq!(refused.status, 403, "{refused:?}");

    // A bad credential on the stream is refused as on a POST.
    let mut forged = SseStream::open_with(app.addr, &[("X-Quendoo-Api-Key", "not-a-key")])
        .await
        .unwrap();
    forged.read_until("\r\n").await.unwrap();
    assert!(
        forged.status_line().contains(" 401 "),
        "{}",
        forged.status_line()
    );
}

/// The stream on `app`, the POSTs on `other`.
async fn stream_and_posts_on_two_replicas(app: &TestApp, other: &Replica) {
    let (hotel, intruder) = (app.hotel("Shared").await, app.hotel("Other").await);
    let mut stream = SseStream::open(app.addr).await.unwrap();
    let path = stream.endpoint().await.unwrap();

    let reply = post(other.addr, &path, &key(&hotel), &initialize(0)).await;
    assert_eq!(reply.status, 202, "{reply:?}");
    assert_eq!(stream.next_message().await.unwrap()["id"], 0);
    let refused = post(other.addr, &path, &key(&intruder), &initialize(1)).await;
    assert_eq!(refused.status, 403, "{refused:?}");

    // An answer larger than a NOTIFY payload may be.
    let reply = post(
        other.addr,
        &path,
        &key(&hotel),
        &call(2, "get_rooms_details", json!({})),
    )
    .await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let answer = stream.next_message().await.unwrap();
    assert_eq!(answer["id"], 2);
    ok(&answer["result"]);
    let big = post(
        other.addr,
        &path,
        &key(&hotel),
        &call(3, "get_bookings", json!({"limit": 50})),
    )
    .await;
    assert_eq!(big.status, 202, "{big:?}");
    let answer = stream.next_message().await.unwrap();
    assert_eq!(answer["id"], 3);
    assert!(
        answer.to_string().len() > 8000,
        "{}",
        answer.to_string().len()
    );
    ok(&answer["result"]);

    // Once the stream is gone, its session's POSTs are answered in the body.
    drop(stream);
    let mut answered_in_body = false;
    for _ in 0..100 {
        let reply = post(other.addr, &path, &key(&hotel), &initialize(4)).await;
        if reply.status == 200 {
            answered_in_body = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        answered_in_body,
        "a closed stream's session still took answers"
    );
}

fn fast_keepalive(serve: &mut quendoo_mcp::config::ServeArgs) {
    serve.legacy_sse_keepalive = Duration::from_millis(50);
}

#[tokio::test]
async fn replicas_on_one_postgres_share_streams() {
    let app = TestApp::spawn_with(TestDb::postgres().await, fast_keepalive).await;
    let other = app.replica(|_| {}).await;
    stream_and_posts_on_two_replicas(&app, &other).await;
    other.shut_down().await.unwrap();
}

#[tokio::test]
async fn replicas_share_streams_through_redis() {
    let app = TestApp::spawn_with(TestDb::postgres().await, |serve| {
        fast_keepalive(serve);
        serve.redis_url = Some(crate::support::redis_url().into());
    })
    .await;
    let other = app.replica(|_| {}).await;
    stream_and_posts_on_two_replicas(&app, &other).await;
    other.shut_down().await.unwrap();
}
