//! Accepting and serving connections, with the bounds `axum::serve` does not
//! set: at most `MAX_CONNECTIONS` open at once (the rest wait in the
//! kernel's queue instead of failing with "too many open files"), a request
//! head must arrive within `HEADER_READ_TIMEOUT` (a slowloris client, or a
//! connection idle between requests, is closed) and be at most
//! `MAX_HEAD_BYTES` long, and the open-file limit
//! raised to what the system allows. On shutdown every connection finishes
//! its request and closes; the server waits for them.

use std::{
    convert::Infallible,
    net::SocketAddr,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body, extract::ConnectInfo, extract::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// File descriptors kept for everything but client connections (the
/// database pool, the PMS client, logs).
const RESERVED_FILES: u64 = 128;

/// The largest request head (request line and headers) an HTTP/1
/// connection reads; a larger one is answered 431 (Tomcat's and Jetty's
/// default too). It is hyper's read buffer's cap, the smallest it takes:
/// at hyper's default (about 400 KiB) each idle `/sse` stream held 4 KiB
/// more (`bench/legacy_sse_idle_streams.sh`: 19 KiB, with it 15). Bodies
/// are bounded by `MAX_BODY_BYTES`, not by it; they are read 8 KiB at a time.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown`, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    bounds: Bounds,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let max = effective_max_connections(bounds.max_connections);
    let permits = Arc::new(Semaphore::new(max));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(bounds.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it was
                    // taken: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let builder = builder.clone();
        let shutdown = shutdown.clone();
        let timeout = bounds.header_read_timeout;
        tokio::spawn(async move {
            let _held_while_open = permit;
            serve_connection(&builder, stream, peer, router, timeout, shutdown).await;
        });
    }
    // Every connection gives its permit back when it has closed.
    let _all = permits.acquire_many(max as u32).await;
    Ok(())
}

async fn serve_connection(
    builder: &Builder<TokioExecutor>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    timeout: Duration,
    shutdown: CancellationToken,
) {
    let requested = Arc::new(AtomicBool::new(false));
    let seen = requested.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        seen.store(true, Ordering::Relaxed);
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            Ok::<_, Infallible>(
                router
                    .oneshot(request.map(Body::new))
                    .await
                    .unwrap_or_else(|never| match never {}),
            )
        }
    });
    // No route upgrades a connection (no WebSocket): without upgrades hyper
    // keeps no upgrade channel per request.
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    // Until the first request, hyper's own timeout has not started (it
    // first reads to tell HTTP/1 from HTTP/2): bound that wait here.
    let first = tokio::time::sleep(timeout);
    let mut first = pin!(first);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            () = &mut first, if !requested.load(Ordering::Relaxed) => {
                if !requested.load(Ordering::Relaxed) {
                    return;
                }
            }
            () = shutdown.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// `wanted`, lowered to fit under the open-file limit (raised first to the
/// hard limit where the system allows).
fn effective_max_connections(wanted: usize) -> usize {
    match raise_open_file_limit() {
        Some(limit) => {
            let fit = usize::try_from(limit.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
            let max = wanted.min(fit).max(1);
            if max < wanted {
                tracing::warn!(
                    wanted,
                    max,
                    open_files = limit,
                    "MAX_CONNECTIONS lowered to fit the open-file limit"
                );
            }
            max
        }
        None => wanted.max(1),
    }
}

/// The soft open-file limit after raising it to the hard one.
#[cfg(unix)]
fn raise_open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}
