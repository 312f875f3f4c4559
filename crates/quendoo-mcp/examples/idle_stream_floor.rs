//! The floor under an idle `/sse` stream, measured by
//! `bench/legacy_sse_idle_streams.sh` with `SERVER=floor` (and
//! `FLOOR=hyper`). Each mode serves `/sse` as one `endpoint` event and then
//! nothing, with no session, channel, slot or pipeline behind it:
//!
//! - `server`: our accept loop (`server::serve`, with the server's hyper
//!   settings) and axum's `Sse` with its keep-alive comments;
//! - `hyper`: hyper's HTTP/1 connection alone (its smallest read-buffer
//!   cap), one task per connection, a body that never ends.
//!
//! What an idle stream costs in `hyper` mode is what hyper keeps per
//! connection, under any server built on it. A measurement aid, not a
//! server: `idle_stream_floor PORT [server|hyper]`.

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    body::Body,
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures::stream::{self, StreamExt};
use hyper_util::rt::TokioIo;
use quendoo_mcp::server::{Bounds, MAX_HEAD_BYTES, serve};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// As the server's allocator, so that the two compare.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENDPOINT: &str = "/messages/?session_id=0";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .map(|port| port.parse())
        .transpose()?
        .unwrap_or(18283);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    match args.next().as_deref().unwrap_or("server") {
        "server" => through_our_server(listener).await,
        "hyper" => through_hyper_alone(listener).await,
        other => anyhow::bail!("unknown mode {other}: server or hyper"),
    }
}

async fn through_our_server(listener: TcpListener) -> anyhow::Result<()> {
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/sse",
            get(|| async {
                let endpoint = Event::default().event("endpoint").data(ENDPOINT);
                let events = stream::once(async move { Ok::<_, Infallible>(endpoint) })
                    .chain(stream::pending());
                Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(1)))
            }),
        );
    let bounds = Bounds {
        max_connections: 100_000,
        header_read_timeout: Duration::from_secs(30),
    };
    serve(listener, router, bounds, CancellationToken::new()).await?;
    Ok(())
}

async fn through_hyper_alone(listener: TcpListener) -> anyhow::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let service = hyper::service::service_fn(|request: hyper::Request<_>| async move {
            let body = if request.uri().path() == "/sse" {
                let endpoint = format!("event: endpoint\ndata: {ENDPOINT}\n\n");
                Body::from_stream(
                    stream::once(async move { Ok::<_, Infallible>(endpoint) })
                        .chain(stream::pending()),
                )
            } else {
                Body::from("ok")
            };
            hyper::Response::builder()
                .header("content-type", "text/event-stream")
                .body(body)
        });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service),
        );
    }
}
