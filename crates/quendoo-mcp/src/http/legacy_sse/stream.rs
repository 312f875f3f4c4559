//! `GET /sse`: announce where to POST, then send the answers to that
//! session's POSTs, with keep-alive comments between, until the client
//! leaves or the server shuts down. A stream opened with a credential
//! belongs to that hotel; one opened without (the dashboard sends none on
//! it) belongs to the first hotel that posts to it. Each open stream is
//! counted and the count is capped, which bounds what anonymous clients can
//! hold.

use std::{
    collections::HashMap,
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Extension,
    extract::{ConnectInfo, State},
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{StreamExt, stream};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::{
    sessions::{Opened, Sessions},
    tenant::StreamOwner,
};
use crate::http::{AppState, error::ApiError};

/// When a client refused a stream should try again: streams close as their
/// clients leave.
const STREAM_RETRY: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub(super) struct Streams {
    open: Arc<AtomicUsize>,
    max: usize,
    /// Open streams per client address, so that one client cannot take them all.
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_address: usize,
    keep_alive: Duration,
    /// Ends every stream: a graceful shutdown waits for open responses.
    shutdown: CancellationToken,
}

/// One open stream's place in the counts, given back when the stream is
/// dropped (hyper drops it once a write finds the client gone).
struct Slot {
    streams: Streams,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.streams.open.fetch_sub(1, Ordering::AcqRel);
        let mut by_address = self
            .streams
            .by_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                by_address.remove(&self.address);
            }
        }
    }
}

/// Why no stream was opened.
enum Full {
    Server,
    Address,
}

impl Streams {
    pub(super) fn new(
        max: usize,
        max_per_address: usize,
        keep_alive: Duration,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
            by_address: Arc::default(),
            max_per_address,
            keep_alive,
            shutdown,
        }
    }

    fn take_slot(&self, address: IpAddr) -> Result<Slot, Full> {
        let mut by_address = self
            .by_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = by_address.entry(address).or_insert(0);
        if *count >= self.max_per_address {
            return Err(Full::Address);
        }
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .map_err(|_| Full::Server)?;
        *count += 1;
        Ok(Slot {
            streams: self.clone(),
            address,
        })
    }
}

pub(super) async fn open(
    State(state): State<AppState>,
    Extension(streams): Extension<Streams>,
    Extension(sessions): Extension<Sessions>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    StreamOwner(owner): StreamOwner,
) -> Response {
    let owner = owner.map(|caller| caller.tenant);
    let slot = match streams.take_slot(peer.ip()) {
        Ok(slot) => slot,
        Err(Full::Server) => {
            state.metrics.limit_hit("legacy_sse_streams", "count");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many open /sse streams on this server; try again shortly.",
            )
            .retry_after(STREAM_RETRY)
            .into_response();
        }
        Err(Full::Address) => {
            state
                .metrics
                .limit_hit("legacy_sse_streams_per_address", "count");
            return ApiError::too_many(
                "Too many open /sse streams from this address (LEGACY_SSE_MAX_STREAMS_PER_ADDRESS); \
                 close some first.",
                STREAM_RETRY,
            )
            .into_response();
        }
    };
    let Opened {
        id,
        messages,
        registration,
    } = match sessions.open(owner).await {
        Ok(opened) => opened,
        Err(error) => {
            tracing::error!(%error, "could not open an /sse session");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The stream cannot be opened right now; try again shortly.",
            )
            .into_response();
        }
    };
    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/messages/?session_id={id}"));
    let answers =
        ReceiverStream::new(messages).map(|answer| Event::default().event("message").data(answer));
    let events = stream::once(async move { endpoint })
        .chain(answers)
        .take_until(streams.shutdown.clone().cancelled_owned())
        .map(move |event| {
            let _held_while_open = (&slot, &registration);
            Ok::<_, Infallible>(event)
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(streams.keep_alive))
        .into_response()
}
