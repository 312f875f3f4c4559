//! One upstream exchange: send, classify the answer into [`Error`], cap the
//! bytes read, retry what is safe to retry, trace without the query.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config::ClientConfig;
use crate::error::{Error, Result, Service};
use crate::observer::{Exchange, Observer};
use crate::redact::{redact, upstream_message};

/// First and longest pause between GET retries (jitter is added on top).
const RETRY_MIN_DELAY: Duration = Duration::from_millis(200);
const RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// How much of an error body is read for its message.
const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// A successful exchange: the status, the body, and the body's share of the
/// budget for answers in flight.
type Answer = (u16, Vec<u8>, OwnedSemaphorePermit);

/// How the credential travels.
#[derive(Clone, Copy)]
pub(crate) enum Auth {
    /// Already in the URL's query (`api_key=`), as the PMS wants it.
    InQuery,
    /// As `Authorization: Bearer`, as the communication services want it.
    Bearer,
}

/// One call to make, possibly several times.
pub(crate) struct Call<'a> {
    pub service: Service,
    /// The endpoint's name, e.g. `Booking/getBookings`: a label for metrics.
    pub endpoint: &'static str,
    pub method: Method,
    /// May hold the credential in its query: sent, never logged.
    pub url: Url,
    pub secret: &'a SecretString,
    pub auth: Auth,
    pub body: Option<Value>,
}

/// The pooled HTTP client and the limits it keeps to.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: usize,
    /// One permit per byte of the answers being read and parsed.
    answers_in_flight: Arc<Semaphore>,
    max_retries: u32,
    max_retry_after: Duration,
    observer: Option<Arc<dyn Observer>>,
}

impl Transport {
    pub(crate) fn new(config: &ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A redirect would be followed with a URL we did not build.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("quendoo-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::InvalidConfig {
                service: Service::Pms,
                reason: innermost(&err.without_url()),
            })?;
        Ok(Self {
            http,
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
            max_response_bytes: config.max_response_bytes,
            answers_in_flight: Arc::new(Semaphore::new(
                config
                    .answers_in_flight_bytes
                    .min(Semaphore::MAX_PERMITS)
                    .max(config.max_response_bytes),
            )),
            max_retries: config.max_retries,
            max_retry_after: config.max_retry_after,
            observer: config.observer.clone(),
        })
    }

    /// A GET retried on transient failures; the response's `data` payload,
    /// deserialized as `T`.
    pub(crate) async fn read<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let attempts = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(RETRY_MIN_DELAY)
            .with_max_delay(RETRY_MAX_DELAY)
            .with_jitter()
            .with_max_times(self.max_retries as usize);
        let (_, body, _budget) =
            (|| self.attempt(&call, attempts.fetch_add(1, Ordering::Relaxed) + 1))
                .retry(backoff)
                .when(|err| self.retryable(err))
                .adjust(|err, next| match err {
                    Error::RateLimited {
                        retry_after: Some(after),
                        ..
                    } => next.map(|_| *after),
                    _ => next,
                })
                .await?;
        #[derive(Deserialize)]
        struct Envelope<T> {
            data: T,
        }
        serde_json::from_slice(&body)
            .map(|envelope: Envelope<T>| envelope.data)
            .map_err(|_| Error::NotJson {
                service: call.service,
            })
    }

    /// A write, sent once: the whole response body, `{"status": code}` when empty.
    pub(crate) async fn write(&self, call: Call<'_>) -> Result<Value> {
        let (status, body, _budget) = self.attempt(&call, 1).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({ "status": status }));
        }
        serde_json::from_slice(&body).map_err(|_| Error::NotJson {
            service: call.service,
        })
    }

    fn retryable(&self, err: &Error) -> bool {
        match err {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Unavailable { .. } => true,
            Error::RateLimited { retry_after, .. } => {
                retry_after.is_none_or(|after| after <= self.max_retry_after)
            }
            _ => false,
        }
    }

    /// One exchange, traced by method, path, status, duration and attempt.
    async fn attempt(&self, call: &Call<'_>, attempt: u32) -> Result<Answer> {
        let started = Instant::now();
        let result = self.exchange(call).await;
        let elapsed = started.elapsed();
        if let Some(observer) = &self.observer {
            observer.observe(&Exchange {
                service: call.service,
                endpoint: call.endpoint,
                status: match &result {
                    Ok((status, ..)) => Some(*status),
                    Err(error) => error.status(),
                },
                elapsed,
            });
        }
        let elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let path = call.url.path();
        match &result {
            Ok((status, ..)) => tracing::debug!(
                service = %call.service, method = %call.method, path, status, elapsed_ms, attempt,
                "upstream call"
            ),
            Err(err) => tracing::debug!(
                service = %call.service, method = %call.method, path, elapsed_ms, attempt,
                error = %err, "upstream call failed"
            ),
        }
        result
    }

    async fn exchange(&self, call: &Call<'_>) -> Result<Answer> {
        let mut request = self.http.request(call.method.clone(), call.url.clone());
        if let Auth::Bearer = call.auth {
            request = request.bearer_auth(call.secret.expose_secret());
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|err| self.transport_error(call, err))?;
        let service = call.service;
        let status = response.status().as_u16();
        match status {
            200..=299 => {
                let (body, budget) = self.read_body(call, &mut response).await?;
                Ok((status, body, budget))
            }
            401 | 403 => Err(Error::KeyRejected { service, status }),
            429 => Err(Error::RateLimited {
                service,
                retry_after: retry_after(response.headers()),
            }),
            500..=599 => Err(Error::Unavailable { service, status }),
            400..=499 => {
                let body = self.read_error_body(&mut response).await;
                let message = redact(&upstream_message(&body), call.secret.expose_secret());
                Err(Error::BadRequest {
                    service,
                    status,
                    message,
                })
            }
            _ => Err(Error::UnexpectedStatus { service, status }),
        }
    }

    /// The body, refusing more than the configured cap, with its share of
    /// the budget for answers in flight (held until the body is parsed).
    async fn read_body(
        &self,
        call: &Call<'_>,
        response: &mut Response,
    ) -> Result<(Vec<u8>, OwnedSemaphorePermit)> {
        let limit = self.max_response_bytes;
        let too_large = Error::TooLarge {
            service: call.service,
            limit,
        };
        let announced = response.content_length().unwrap_or(0);
        let Ok(announced) = usize::try_from(announced) else {
            return Err(too_large);
        };
        if announced > limit {
            return Err(too_large);
        }
        let mut budget = self.take_budget(call, announced)?;
        let mut body = Vec::with_capacity(announced);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.transport_error(call, err))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
            // An answer longer than it announced (or without a length) takes
            // more of the budget as it comes.
            let held = budget.num_permits();
            if body.len() > held {
                budget.merge(self.take_budget(call, body.len() - held)?);
            }
        }
        Ok((body, budget))
    }

    /// `bytes` of the budget for answers in flight, or `Overloaded` at once
    /// (waiting could hold a caller past its deadline for nothing).
    fn take_budget(&self, call: &Call<'_>, bytes: usize) -> Result<OwnedSemaphorePermit> {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.answers_in_flight
            .clone()
            .try_acquire_many_owned(bytes)
            .map_err(|_| Error::Overloaded {
                service: call.service,
            })
    }

    /// The start of an error body: enough for its message, never an error.
    async fn read_error_body(&self, response: &mut Response) -> Vec<u8> {
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = ERROR_BODY_LIMIT - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() == ERROR_BODY_LIMIT {
                break;
            }
        }
        body
    }

    fn transport_error(&self, call: &Call<'_>, err: reqwest::Error) -> Error {
        let service = call.service;
        if err.is_timeout() {
            let after = if err.is_connect() {
                self.connect_timeout
            } else {
                self.request_timeout
            };
            return Error::Timeout { service, after };
        }
        // The error's own text holds the URL, query and key included.
        let detail = redact(&innermost(&err.without_url()), call.secret.expose_secret());
        Error::Connect { service, detail }
    }
}

/// The text of the deepest cause, the most specific one ("connection refused").
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}
