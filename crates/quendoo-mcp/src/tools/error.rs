//! Why a tool call failed, in words a model and a hotel can act on. No
//! variant holds a secret: upstream errors arrive redacted from the client.

use std::{sync::Arc, time::Duration};

use quendoo_api::{Error as UpstreamError, Service};

use crate::{
    domain::KeyName,
    limits::{Exceeded, Refusal},
    policy::Denied,
};

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("Unknown tool `{0}`: call tools/list for the tools this server offers.")]
    UnknownTool(String),

    #[error("Invalid arguments: {0}.")]
    InvalidArguments(String),

    /// The hotel's policy or the connection's narrowing leaves it out.
    #[error("`{tool}` cannot be called here: {denied}.")]
    NotAllowed { tool: &'static str, denied: Denied },

    #[error(
        "Nothing was changed: this confirmation code does not hold for these arguments (it was \
         given for other arguments, another tool or another hotel, or it has expired). Call \
         again without `confirmation` for a new preview and code, and ask the person again."
    )]
    BadConfirmation,

    #[error(
        "Nothing was changed by this call: this confirmation code was used already (a code \
         runs its change once). To do it again, call without `confirmation` for a new preview \
         and code, and ask the person again."
    )]
    ConfirmationUsed,

    #[error(
        "This hotel has no {0} configured on the MCP server. The hotel's administrator can \
         add it with POST /admin/api-keys (key_name \"{0}\") or `quendoo-mcp api-key set`."
    )]
    MissingCredential(KeyName),

    #[error(
        "The stored {0} of this hotel could not be decrypted (was ENCRYPTION_KEY changed \
         without PREVIOUS_ENCRYPTION_KEYS?). The operator must fix the server's keys or the \
         hotel must store the credential again."
    )]
    UnreadableCredential(KeyName),

    #[error("{}", people_limit_message(.tool, *.limit, *.retry_after))]
    LimitReached {
        tool: &'static str,
        limit: u32,
        retry_after: Duration,
    },

    /// The hotel is past its rate or its calls in flight: nothing was done.
    #[error("{}", busy_message(*.0))]
    Busy(Refusal),

    #[error("{}", upstream_message(.0))]
    Upstream(Arc<UpstreamError>),

    /// The whole call, retries included, outlasted `TOOL_CALL_TIMEOUT`.
    #[error("{}", deadline_message(*.after, *.changes_things))]
    DeadlineExceeded {
        after: std::time::Duration,
        /// A write may have reached Quendoo before the answer was lost.
        changes_things: bool,
    },

    #[error(
        "Quendoo answered, but not with {0} as expected; try again, and report it to the \
         operator if it persists."
    )]
    UnexpectedResponse(&'static str),

    /// The result would not fit the result budget (`RESULT_BUDGET`).
    #[error("{}", over_budget_message(*.bytes, *.budget_tokens))]
    OverBudget { bytes: usize, budget_tokens: usize },

    #[error("Internal error in the MCP server; the operator can find details in its log.")]
    Internal(#[source] anyhow::Error),
}

impl From<UpstreamError> for ToolError {
    fn from(error: UpstreamError) -> Self {
        ToolError::Upstream(Arc::new(error))
    }
}

impl ToolError {
    /// A short stable name for logs, the audit trail and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::UnknownTool(_) => "unknown_tool",
            ToolError::InvalidArguments(_) => "invalid_arguments",
            ToolError::NotAllowed { .. } => "not_allowed",
            ToolError::BadConfirmation => "confirmation_invalid",
            ToolError::ConfirmationUsed => "confirmation_used",
            ToolError::MissingCredential(_) => "missing_credential",
            ToolError::UnreadableCredential(_) => "unreadable_credential",
            ToolError::LimitReached { .. } => "limit_reached",
            ToolError::Busy(refusal) => match refusal.exceeded {
                Exceeded::Rate { .. } => "tenant_rate",
                Exceeded::InFlight { .. } => "tenant_in_flight",
            },
            ToolError::Upstream(error) => match error.as_ref() {
                UpstreamError::KeyRejected { .. } => "upstream_key_rejected",
                UpstreamError::BadRequest { .. } | UpstreamError::NoActiveBookingModule => {
                    "upstream_bad_request"
                }
                UpstreamError::RateLimited { .. } => "upstream_rate_limited",
                UpstreamError::Timeout { .. } => "upstream_timeout",
                UpstreamError::Overloaded { .. } => "answers_in_flight",
                UpstreamError::NotConfigured { .. } | UpstreamError::InvalidConfig { .. } => {
                    "upstream_not_configured"
                }
                _ => "upstream_unavailable",
            },
            ToolError::DeadlineExceeded { .. } => "deadline_exceeded",
            ToolError::UnexpectedResponse(_) => "upstream_unexpected_response",
            ToolError::OverBudget { .. } => "over_budget",
            ToolError::Internal(_) => "internal",
        }
    }

    /// When trying again can succeed, for a refusal that says so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ToolError::LimitReached {
                limit, retry_after, ..
            } => (*limit > 0).then_some(*retry_after),
            ToolError::Busy(refusal) => Some(refusal.retry_after),
            ToolError::Upstream(error) => match error.as_ref() {
                UpstreamError::RateLimited { retry_after, .. } => *retry_after,
                UpstreamError::Overloaded { .. } => Some(OVERLOADED_RETRY),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the upstream took too long (a gateway timeout, not a failure).
    pub fn is_timeout(&self) -> bool {
        match self {
            ToolError::Upstream(error) => matches!(error.as_ref(), UpstreamError::Timeout { .. }),
            ToolError::DeadlineExceeded { .. } => true,
            _ => false,
        }
    }
}

/// When a call refused for the answers in flight should try again: the
/// answers being read are done within seconds.
const OVERLOADED_RETRY: Duration = Duration::from_secs(5);

/// Whole seconds to wait, never 0 (a client would retry at once).
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0 || wait.is_zero())
}

fn people_limit_message(tool: &str, limit: u32, retry_after: Duration) -> String {
    if limit == 0 {
        return format!(
            "Nothing was sent: the server's operator has switched {tool} off \
             (COMMS_HOURLY_LIMIT is 0)."
        );
    }
    let minutes = whole_seconds(retry_after).div_ceil(60);
    format!(
        "Nothing was sent: this hotel has reached its limit of {limit} uses of {tool} per hour \
         (COMMS_HOURLY_LIMIT, set by the server's operator). Tell the hotel; the next one can \
         go in {minutes} min."
    )
}

fn busy_message(refusal: Refusal) -> String {
    let wait = whole_seconds(refusal.retry_after);
    match refusal.exceeded {
        Exceeded::Rate { per_minute } => format!(
            "Nothing was done: this hotel is making more than {per_minute} tool calls a minute \
             (TENANT_CALLS_PER_MINUTE, set by the server's operator). Try again in {wait} s, \
             and make fewer calls (one get_bookings with filters, not one per guest)."
        ),
        Exceeded::InFlight { max } => format!(
            "Nothing was done: this hotel already has {max} tool calls in progress \
             (TENANT_CALLS_IN_FLIGHT), most likely waiting for a slow Quendoo. Try again in \
             {wait} s."
        ),
    }
}

fn deadline_message(after: std::time::Duration, changes_things: bool) -> String {
    let seconds = after.as_secs_f64();
    if changes_things {
        format!(
            "Quendoo gave no answer within {seconds:.0} s (TOOL_CALL_TIMEOUT), so the change may \
             or may not have been made. Check the current state (for example with \
             get_availability or get_bookings) before trying again."
        )
    } else {
        format!(
            "Quendoo gave no answer within {seconds:.0} s (TOOL_CALL_TIMEOUT), retries included. \
             Try again later, or ask for less (a shorter date range)."
        )
    }
}

fn over_budget_message(bytes: usize, budget_tokens: usize) -> String {
    let tokens = bytes.div_ceil(super::budget::BYTES_PER_TOKEN);
    format!(
        "The result would be {bytes} bytes (about {tokens} tokens), more than this server's \
         result budget of {budget_tokens} tokens (RESULT_BUDGET), so it was not sent. Ask for \
         less and call again: a shorter date range, fewer sections (`names`), one `room_id`, \
         or a smaller `limit`."
    )
}

/// The client's sentence, followed by what to do about it.
fn upstream_message(error: &UpstreamError) -> String {
    let advice = match error {
        UpstreamError::KeyRejected { service, .. } => {
            let name = match service {
                Service::Pms => KeyName::QuendooApiKey,
                Service::Email => KeyName::EmailApiKey,
                Service::VoiceCall => KeyName::QuendooAutomationBearer,
            };
            format!(
                "Retrying will not help: the hotel must update its {name} with \
                 POST /admin/api-keys or `quendoo-mcp api-key set`."
            )
        }
        UpstreamError::BadRequest { .. } => "Check the arguments against the tool's schema.".into(),
        UpstreamError::NoActiveBookingModule => {
            "Pass bm_code (see get_property_settings, booking_modules), or activate a booking \
             module in Quendoo."
                .into()
        }
        UpstreamError::RateLimited { .. } => "Wait before calling again.".into(),
        UpstreamError::Overloaded { .. } => {
            "Nothing was done; ask for less (a shorter date range) if it persists.".into()
        }
        UpstreamError::Timeout { .. } => {
            "Try again later, or ask for less (a shorter date range).".into()
        }
        UpstreamError::NotConfigured { .. } | UpstreamError::InvalidConfig { .. } => {
            "The server's operator must configure it; retrying will not help.".into()
        }
        _ => "Try again in a minute.".into(),
    };
    format!("{error}. {advice}")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn upstream_messages_say_what_to_do_next() {
        let rejected: ToolError = UpstreamError::KeyRejected {
            service: Service::Pms,
            status: 401,
        }
        .into();
        let text = rejected.to_string();
        assert!(
            text.contains("QUENDOO_API_KEY") && text.contains("/admin/api-keys"),
            "{text}"
        );
        assert_eq!(rejected.kind(), "upstream_key_rejected");

        let timeout: ToolError = UpstreamError::Timeout {
            service: Service::Pms,
            after: Duration::from_secs(30),
        }
        .into();
        assert!(timeout.is_timeout());
        assert!(timeout.to_string().contains("30.0 s"), "{timeout}");

        let email: ToolError = UpstreamError::KeyRejected {
            service: Service::Email,
            status: 403,
        }
        .into();
        assert!(email.to_string().contains("EMAIL_API_KEY"), "{email}");
    }
}
