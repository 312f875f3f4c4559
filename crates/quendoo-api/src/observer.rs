//! A hook told of every exchange with an upstream service, for whoever
//! counts them (metrics, the audit trail): never the URL, which holds the
//! PMS key, only the endpoint's name.

use std::time::Duration;

use crate::error::Service;

/// One exchange (one attempt: a retried GET makes several).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    pub service: Service,
    /// The endpoint's name, e.g. `Booking/getBookings` or `make_call`.
    pub endpoint: &'static str,
    /// The HTTP status, or `None` when no answer came (refused, timed out).
    pub status: Option<u16>,
    pub elapsed: Duration,
}

pub trait Observer: Send + Sync {
    fn observe(&self, exchange: &Exchange);
}

impl std::fmt::Debug for dyn Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}
