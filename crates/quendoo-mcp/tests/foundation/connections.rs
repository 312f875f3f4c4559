//! Connections that hold the server without asking anything are closed:
//! one that sends no request head in time, one that sends it a byte at a
//! time, one left idle after a request; and past `MAX_CONNECTIONS`, new
//! connections wait for a place instead of exhausting the open files. A
//! request head is bounded; a body is not bounded by it.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

use quendoo_mcp::server::MAX_HEAD_BYTES;
use serde_json::json;

use crate::support::{
    TestDb,
    app::TestApp,
    transports::{Transport, rpc},
};

/// A bound for a hang, not a measurement.
const PATIENCE: Duration = Duration::from_secs(15);

/// Reads until the server closes the connection; what it sent.
async fn until_closed(socket: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let closed = timeout(PATIENCE, socket.read_to_end(&mut received)).await;
    closed
        .ok()
        .map(|_| String::from_utf8_lossy(&received).into_owned())
}

fn short_header_timeout(serve: &mut quendoo_mcp::config::ServeArgs) {
    serve.header_read_timeout = Duration::from_millis(500);
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, short_header_timeout).await;

    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    assert!(
        until_closed(&mut silent).await.is_some(),
        "a silent connection stayed open"
    );

    // A slowloris: a few bytes of the head, then more, never the end.
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let dripping = async {
        for byte in b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = timeout(PATIENCE, dripping).await;
    assert!(
        until_closed(&mut slow).await.is_some(),
        "a slowloris stayed open"
    );

    // Answered, then idle on keep-alive: closed too.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let answered = until_closed(&mut idle).await.expect("closed after idling");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

#[tokio::test]
async fn past_the_cap_a_connection_waits_for_a_place() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.max_connections = 3;
        serve.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // The kernel takes the fourth; the server serves it only once a place is free.
    let mut waiting = TcpStream::connect(app.addr).await.unwrap();
    waiting
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    let early = timeout(Duration::from_millis(500), waiting.read_exact(&mut first)).await;
    assert!(early.is_err(), "served beyond MAX_CONNECTIONS");
    drop(held.pop());
    let answer = until_closed(&mut waiting)
        .await
        .expect("served once a place was free");
    assert!(
        String::from_utf8_lossy(&first).starts_with("HTTP/1.1 200")
            || answer.starts_with("HTTP/1.1 200")
            || answer.contains("200 OK"),
        "{answer}"
    );
}

/// The answer to `head` sent alone on a new connection, up to its status line.
async fn status_line(app: &TestApp, head: &[u8]) -> String {
    let mut socket = TcpStream::connect(app.addr).await.unwrap();
    socket.write_all(head).await.unwrap();
    let answer = until_closed(&mut socket).await.expect("an answer");
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_head_past_8_kib_is_refused_and_a_longer_body_is_not() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let head = |padding: usize| {
        format!(
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: {}\r\n\r\n",
            "p".repeat(padding)
        )
    };
    let under = status_line(&app, head(MAX_HEAD_BYTES - 200).as_bytes()).await;
    assert!(under.starts_with("HTTP/1.1 200"), "{under}");
    let over = status_line(&app, head(MAX_HEAD_BYTES).as_bytes()).await;
    assert!(over.starts_with("HTTP/1.1 431"), "{over}");

    // A body many times the head's cap is read whole.
    let hotel = app.hotel("Long Body Hotel").await;
    let padding = "b".repeat(8 * MAX_HEAD_BYTES);
    let (status, answer) = rpc(
        &app,
        &hotel,
        Transport::Mcp,
        "ping",
        json!({"_meta": {"padding": padding}}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], json!({}), "{answer}");
}
