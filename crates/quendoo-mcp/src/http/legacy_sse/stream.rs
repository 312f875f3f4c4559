//! `GET /sse`: announce where to POST, then only keep-alive comments until
//! the client leaves or the server shuts down. Each open stream is counted,
//! and the count is capped: the stream needs no credential (the dashboard
//! sends none on it), so the cap bounds what anonymous clients can hold.

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Extension,
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::http::error::ApiError;

#[derive(Clone)]
pub(super) struct Streams {
    open: Arc<AtomicUsize>,
    max: usize,
    keep_alive: Duration,
    /// Ends every stream: a graceful shutdown waits for open responses.
    shutdown: CancellationToken,
}

/// One open stream's place in the count, given back when the stream is dropped
/// (hyper drops it once a write finds the client gone).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Streams {
    pub(super) fn new(max: usize, keep_alive: Duration, shutdown: CancellationToken) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
            keep_alive,
            shutdown,
        }
    }

    fn take_slot(&self) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| Slot(self.open.clone()))
    }
}

pub(super) async fn open(Extension(streams): Extension<Streams>) -> Response {
    let Some(slot) = streams.take_slot() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many open /sse streams on this server; try again shortly.",
        )
        .into_response();
    };
    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/messages/?session_id={}", Uuid::new_v4()));
    // After the one event the stream only waits for the shutdown: nothing
    // is ever sent on it but keep-alives, so it carries no queue.
    let ended = streams.shutdown.clone().cancelled_owned();
    let events = stream::once(async move { Ok::<_, Infallible>(endpoint) })
        .chain(stream::once(ended).filter_map(|()| async { None }))
        .map(move |event| {
            let _held_while_open = &slot;
            event
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(streams.keep_alive))
        .into_response()
}
