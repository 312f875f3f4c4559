//! Client configuration: where the services live and how patient to be.

use std::{sync::Arc, time::Duration};

use url::Url;

use crate::observer::Observer;

/// Where the upstream services live and the limits the client keeps to.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base of the PMS API, e.g. `https://www.platform.quendoo.com/api/pms/v1`.
    pub pms_base_url: Url,
    /// Base of the e-mail service (`QUENDOO_EMAIL_URL`); `POST {it}/send_quendoo_email`.
    pub email_base_url: Option<Url>,
    /// Base of the automation service (`QUENDOO_AUTOMATION_URL`); `POST {it}/make_call`.
    pub automation_base_url: Option<Url>,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    /// Cap on the bytes read from one response body.
    pub max_response_bytes: usize,
    /// Cap on the bytes of all response bodies being read and parsed at
    /// once: what a burst of large answers can cost in memory.
    pub answers_in_flight_bytes: usize,
    /// Retries after the first attempt, for GETs only.
    pub max_retries: u32,
    /// Longest `Retry-After` a 429 may make a GET wait before it is retried.
    pub max_retry_after: Duration,
    /// Told of every exchange.
    pub observer: Option<Arc<dyn Observer>>,
}

/// The production PMS base URL.
const DEFAULT_PMS_BASE_URL: &str = "https://www.platform.quendoo.com/api/pms/v1";

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            pms_base_url: Url::parse(DEFAULT_PMS_BASE_URL).expect("the default URL is valid"),
            email_base_url: None,
            automation_base_url: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            // A year of availability for 50 room types is about 2 MiB.
            max_response_bytes: 8 * 1024 * 1024,
            answers_in_flight_bytes: 64 * 1024 * 1024,
            max_retries: 2,
            max_retry_after: Duration::from_secs(10),
            observer: None,
        }
    }
}
