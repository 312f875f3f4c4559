//! What can go wrong talking to the upstream services, typed so that a
//! caller can act on it. No variant holds a credential: upstream text is
//! redacted before it is stored (see `redact`).

use std::time::Duration;

/// Which upstream service a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The Quendoo PMS API, authenticated by the hotel's API key.
    Pms,
    /// Quendoo's e-mail service, authenticated by `EMAIL_API_KEY`.
    Email,
    /// Quendoo's automation (voice-call) service, authenticated by
    /// `QUENDOO_AUTOMATION_BEARER`.
    VoiceCall,
}

impl Service {
    /// How a sentence names the service.
    pub fn subject(self) -> &'static str {
        match self {
            Service::Pms => "Quendoo",
            Service::Email => "the e-mail service",
            Service::VoiceCall => "the voice-call service",
        }
    }

    /// How a sentence names the credential the service checks.
    pub fn credential(self) -> &'static str {
        match self {
            Service::Pms => "the hotel's API key",
            Service::Email => "EMAIL_API_KEY",
            Service::VoiceCall => "QUENDOO_AUTOMATION_BEARER",
        }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Pms => "pms",
            Service::Email => "email",
            Service::VoiceCall => "voice_call",
        })
    }
}

/// The result of a client call.
pub type Result<T> = std::result::Result<T, Error>;

/// A failed client call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401 or 403: the credential is wrong, revoked or lacks the right.
    #[error("{} rejected {} (HTTP {status})", .service.subject(), .service.credential())]
    KeyRejected { service: Service, status: u16 },

    /// Another 4xx: the request itself was refused; `message` is the
    /// upstream's explanation, redacted and shortened.
    #[error("{} refused the request (HTTP {status}): {message}", .service.subject())]
    BadRequest {
        service: Service,
        status: u16,
        message: String,
    },

    /// 429, after any waiting the configuration allows.
    #[error("{} is rate limiting requests{}", .service.subject(), retry_hint(*.retry_after))]
    RateLimited {
        service: Service,
        retry_after: Option<Duration>,
    },

    /// 5xx, including Cloudflare's 522 (origin timeout), after retries.
    #[error("{} is unavailable (HTTP {status}); try again later", .service.subject())]
    Unavailable { service: Service, status: u16 },

    /// A status this client does not expect (1xx, 3xx: redirects are not followed).
    #[error("{} answered with unexpected HTTP status {status}", .service.subject())]
    UnexpectedStatus { service: Service, status: u16 },

    /// No complete answer within the configured time.
    #[error("{} did not answer within {:.1} s", .service.subject(), .after.as_secs_f64())]
    Timeout { service: Service, after: Duration },

    /// The connection could not be made or broke down.
    #[error("could not reach {}: {detail}", .service.subject())]
    Connect { service: Service, detail: String },

    /// A successful status whose body is not the JSON expected.
    #[error("{} answered with something other than the expected JSON", .service.subject())]
    NotJson { service: Service },

    /// The response body exceeded the configured cap.
    #[error("{} sent a response larger than the {limit}-byte limit", .service.subject())]
    TooLarge { service: Service, limit: usize },

    /// Answers being read already fill the server's budget for answers in
    /// flight (`ClientConfig::answers_in_flight_bytes`): nothing more is read
    /// until some are done.
    #[error("this server is reading too much from {} at once; try again in a few seconds", .service.subject())]
    Overloaded { service: Service },

    /// The property has no booking module with `is_active == 1`.
    #[error("the property has no active booking module, so a booking-module code must be given")]
    NoActiveBookingModule,

    /// The service's base URL is not configured.
    #[error("{} is not configured on this server", .service.subject())]
    NotConfigured { service: Service },

    /// The client could not be built from its configuration.
    #[error("invalid client configuration for {}: {reason}", .service.subject())]
    InvalidConfig { service: Service, reason: String },
}

impl Error {
    /// Which service the failed call went to.
    pub fn service(&self) -> Service {
        match self {
            Error::KeyRejected { service, .. }
            | Error::BadRequest { service, .. }
            | Error::RateLimited { service, .. }
            | Error::Unavailable { service, .. }
            | Error::UnexpectedStatus { service, .. }
            | Error::Timeout { service, .. }
            | Error::Connect { service, .. }
            | Error::NotJson { service }
            | Error::TooLarge { service, .. }
            | Error::Overloaded { service }
            | Error::NotConfigured { service }
            | Error::InvalidConfig { service, .. } => *service,
            Error::NoActiveBookingModule => Service::Pms,
        }
    }
}

impl Error {
    /// The HTTP status the service answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::KeyRejected { status, .. }
            | Error::BadRequest { status, .. }
            | Error::Unavailable { status, .. }
            | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(after) => format!("; retry after {} s", after.as_secs()),
        None => "; retry later".to_owned(),
    }
}
