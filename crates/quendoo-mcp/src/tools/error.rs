//! Why a tool call failed, in words a model and a hotel can act on. No
//! variant holds a secret: upstream errors arrive redacted from the client.

use std::sync::Arc;

use quendoo_api::{Error as UpstreamError, Service};

use crate::domain::KeyName;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("Unknown tool `{0}`: call tools/list for the tools this server offers.")]
    UnknownTool(String),

    #[error("Invalid arguments: {0}.")]
    InvalidArguments(String),

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

    #[error(
        "Nothing was sent: this hotel has reached its limit of {limit} uses of {tool} per \
         hour (COMMS_HOURLY_LIMIT, set by the server's operator). Tell the hotel; try again \
         later."
    )]
    LimitReached { tool: &'static str, limit: u32 },

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
            ToolError::MissingCredential(_) => "missing_credential",
            ToolError::UnreadableCredential(_) => "unreadable_credential",
            ToolError::LimitReached { .. } => "limit_reached",
            ToolError::Upstream(error) => match error.as_ref() {
                UpstreamError::KeyRejected { .. } => "upstream_key_rejected",
                UpstreamError::BadRequest { .. } | UpstreamError::NoActiveBookingModule => {
                    "upstream_bad_request"
                }
                UpstreamError::RateLimited { .. } => "upstream_rate_limited",
                UpstreamError::Timeout { .. } => "upstream_timeout",
                UpstreamError::NotConfigured { .. } | UpstreamError::InvalidConfig { .. } => {
                    "upstream_not_configured"
                }
                _ => "upstream_unavailable",
            },
            ToolError::DeadlineExceeded { .. } => "deadline_exceeded",
            ToolError::UnexpectedResponse(_) => "upstream_unexpected_response",
            ToolError::Internal(_) => "internal",
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
    use std::time::Duration;

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
