//! Each hotel's bounds on tool calls (TENANT_CALLS_PER_MINUTE,
//! TENANT_CALLS_IN_FLIGHT): a hotel past them is refused with a time to
//! retry, others are not slowed; with Redis the bounds hold across replicas.

use std::{net::SocketAddr, time::Duration};

use quendoo_mcp::config::ServeArgs;
use quendoo_sim::Fault;
use serde_json::{Value, json};

use crate::app::{Hotel, TestApp};
use crate::support::{TestDb, redis_url};

/// A raw `tools/call` of `get_rooms_details` on `/mcp` at `addr`: its
/// `result`. (A tool that asks Quendoo on every call: `get_bookings` would
/// join concurrent calls into one request.)
async fn read_rooms(addr: SocketAddr, token: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_rooms_details", "arguments": {}}});
    let answer = crate::post_rpc(addr, token, &body).await;
    answer["result"].clone()
}

/// Waits until the simulator has seen `count` requests with `hotel`'s key.
async fn until_pms_saw(app: &TestApp, hotel: &Hotel, count: usize) {
    let seen = || {
        app.sim
            .requests()
            .iter()
            .filter(|r| r.api_key.as_deref() == Some(hotel.spec.api_key.as_str()))
            .count()
    };
    for _ in 0..200 {
        if seen() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the PMS saw {} calls, not {count}", seen());
}

fn two_in_flight(serve: &mut ServeArgs) {
    serve.tenant_calls_in_flight = 2;
    serve.tool_call_timeout = Duration::from_secs(3);
}

fn two_in_flight_in_redis(serve: &mut ServeArgs) {
    two_in_flight(serve);
    serve.redis_url = Some(redis_url().into());
}

/// The stuck hotel's calls in flight fill its two places (on `addrs`, in
/// turn); its next call, on the last address, is refused at once with a time
/// to retry; another hotel's call is answered meanwhile.
async fn a_hanging_pms_holds_only_its_own_places(app: &TestApp, addrs: &[SocketAddr]) {
    let (stuck, fine) = (app.hotel("Stuck").await, app.hotel("Fine").await);
    app.sim.set_fault(Fault {
        api_key: Some(stuck.spec.api_key.clone()),
        hang: true,
        ..Fault::default()
    });
    let hanging: Vec<_> = (0..2)
        .map(|i| {
            let (addr, token) = (addrs[i % addrs.len()], stuck.token.clone());
            tokio::spawn(async move { read_rooms(addr, &token).await })
        })
        .collect();
    until_pms_saw(app, &stuck, 2).await;

    let started = std::time::Instant::now();
    let refused = read_rooms(*addrs.last().unwrap(), &stuck.token).await;
    assert_eq!(refused["isError"], json!(true), "{refused}");
    assert_eq!(
        refused["structuredContent"],
        json!({"error": "tenant_in_flight", "retry_after_s": 2})
    );
    let text = refused["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("TENANT_CALLS_IN_FLIGHT") && text.contains("2 tool calls"),
        "{text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused without waiting"
    );

    let answered = read_rooms(*addrs.last().unwrap(), &fine.token).await;
    assert_eq!(answered["isError"], json!(false), "{answered}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the other hotel did not wait"
    );

    // The hanging calls end at the deadline, and their places come back.
    for call in hanging {
        let result = call.await.unwrap();
        assert!(
            result["content"][0]["text"]
                .as_str()
                .unwrap()
                .contains("TOOL_CALL_TIMEOUT")
        );
    }
    app.sim.clear_faults();
    let again = read_rooms(*addrs.last().unwrap(), &stuck.token).await;
    assert_eq!(again["isError"], json!(false), "{again}");
}

#[tokio::test]
async fn in_one_process() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, two_in_flight).await;
    a_hanging_pms_holds_only_its_own_places(&app, &[app.addr]).await;
}

#[tokio::test]
async fn across_replicas_through_redis() {
    let app = TestApp::spawn_with(TestDb::postgres().await, two_in_flight_in_redis).await;
    let other = app.replica(|_| {}).await;
    a_hanging_pms_holds_only_its_own_places(&app, &[app.addr, other.addr]).await;
    other.shut_down().await.unwrap();
}

fn five_a_minute_in_redis(serve: &mut ServeArgs) {
    serve.tenant_calls_per_minute = 5;
    serve.redis_url = Some(redis_url().into());
}

/// Five calls a minute, in a burst over two replicas: five are answered,
/// the sixth is told to wait about 12 s (one call's share of the minute);
/// another hotel has its own five.
#[tokio::test]
async fn the_rate_holds_across_replicas_through_redis() {
    let app = TestApp::spawn_with(TestDb::postgres().await, five_a_minute_in_redis).await;
    let other = app.replica(|_| {}).await;
    let (busy, quiet) = (app.hotel("Busy").await, app.hotel("Quiet").await);
    let addrs = [app.addr, other.addr];
    let results =
        futures::future::join_all((0..6).map(|i| read_rooms(addrs[i % 2], &busy.token))).await;
    let refused: Vec<&Value> = results
        .iter()
        .filter(|r| r["isError"] == json!(true))
        .collect();
    assert_eq!(refused.len(), 1, "{results:?}");
    let wait = &refused[0]["structuredContent"];
    assert_eq!(wait["error"], "tenant_rate");
    let seconds = wait["retry_after_s"].as_u64().unwrap();
    assert!((11..=12).contains(&seconds), "{wait}");
    assert!(
        refused[0]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("TENANT_CALLS_PER_MINUTE")
    );
    assert_eq!(
        read_rooms(other.addr, &quiet.token).await["isError"],
        json!(false)
    );
    other.shut_down().await.unwrap();
}
