//! Idle `/sse` streams: thousands held open at once, all kept alive and the
//! server still answering; a closed stream gives its place back; a shutdown
//! ends them all instead of waiting on them forever.

use std::time::Duration;

use futures::{StreamExt, stream};
use serde_json::json;

use crate::{
    app::TestApp,
    client::{Dashboard, SseStream},
    ok,
    support::TestDb,
};

const IDLE_STREAMS: usize = 2000;
/// What a keep-alive comment looks like on the wire.
const KEEP_ALIVE: &str = ":\n\n";

/// Each stream is two sockets in this process (client and server end).
fn allow_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < needed {
            limit.rlim_cur = needed.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    assert!(
        limit.rlim_cur >= needed,
        "this test needs {needed} open files; the hard limit is {}",
        limit.rlim_max
    );
}

#[tokio::test]
async fn thousands_of_idle_streams_stay_open_and_answered() {
    // Room for the streams and for the other tests running alongside.
    allow_open_files(2 * IDLE_STREAMS as u64 + 1024);
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.legacy_sse_keepalive = Duration::from_millis(500);
        // All from one test client address.
        serve.legacy_sse_max_streams_per_address = IDLE_STREAMS + 10;
    })
    .await;
    let hotel = app.hotel("Busy").await;
    // Opened a hundred at a time, so as not to overflow the listen backlog.
    let mut streams: Vec<SseStream> = stream::iter(0..IDLE_STREAMS)
        .map(|_| async {
            let mut stream = SseStream::open(app.addr).await.expect("connect");
            stream.endpoint().await.expect("endpoint event");
            stream
        })
        .buffer_unordered(100)
        .collect()
        .await;
    assert_eq!(streams.len(), IDLE_STREAMS);

    let mut dashboard = Dashboard::connect(&app.url("/sse"), &hotel.spec.api_key).await;
    dashboard.handshake().await;
    ok(&dashboard.call("get_bookings", json!({"limit": 1})).await);

    // Every one of them is still open: each gets its keep-alive.
    let alive = stream::iter(streams.iter_mut())
        .map(|stream| async move { stream.read_until(KEEP_ALIVE).await.is_ok() })
        .buffer_unordered(IDLE_STREAMS)
        .filter(|alive| std::future::ready(*alive))
        .count()
        .await;
    assert_eq!(alive, IDLE_STREAMS);
}

#[tokio::test]
async fn a_closed_stream_gives_its_place_back() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.legacy_sse_max_streams = 2;
        serve.legacy_sse_keepalive = Duration::from_millis(50);
    })
    .await;
    let mut first = SseStream::open(app.addr).await.unwrap();
    first.endpoint().await.unwrap();
    let mut second = SseStream::open(app.addr).await.unwrap();
    second.endpoint().await.unwrap();
    let mut refused = SseStream::open(app.addr).await.unwrap();
    refused.read_until("\r\n").await.unwrap();
    assert!(
        refused.status_line().contains(" 503 "),
        "{}",
        refused.status_line()
    );

    drop(first);
    // The server notices at its next keep-alive write.
    let mut reopened = false;
    for _ in 0..100 {
        let mut stream = SseStream::open(app.addr).await.unwrap();
        stream.read_until("\r\n").await.unwrap();
        if stream.status_line().contains(" 200 ") {
            stream.endpoint().await.unwrap();
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened, "the closed stream's place was never given back");
    second.read_until(KEEP_ALIVE).await.unwrap();
}

#[tokio::test]
async fn one_address_cannot_take_every_stream() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.legacy_sse_max_streams_per_address = 2;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = SseStream::open(app.addr).await.unwrap();
        stream.endpoint().await.unwrap();
        held.push(stream);
    }
    let mut refused = SseStream::open(app.addr).await.unwrap();
    refused.read_until("\r\n").await.unwrap();
    assert!(
        refused.status_line().contains(" 429 "),
        "{}",
        refused.status_line()
    );
}

#[tokio::test]
async fn open_streams_end_when_the_server_shuts_down() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = SseStream::open(app.addr).await.unwrap();
        stream.endpoint().await.unwrap();
        streams.push(stream);
    }
    // A bound for a hang, not a measurement: an idle stream that outlived the
    // shutdown would keep the graceful drain waiting for ever.
    let stopped = tokio::time::timeout(Duration::from_secs(30), app.shut_down()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the shutdown waited on idle /sse streams"
    );
    for mut stream in streams {
        let ended = stream.read_until("event: never sent").await;
        assert!(ended.is_err(), "the stream was closed by the server");
    }
}
