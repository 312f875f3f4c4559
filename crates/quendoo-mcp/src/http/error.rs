//! The one error shape of our HTTP endpoints: the seed's `{"detail": "..."}`
//! with the right status.

use axum::{
    Json,
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::time::Duration;

use crate::{
    auth::AuthFailure,
    secrets::SecretError,
    storage::StorageError,
    tools::{ToolError, whole_seconds},
};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    /// For a refusal that can pass later: `Retry-After`, and
    /// `retry_after_s` in the body.
    retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// A 429: `detail`, and when to try again.
    pub fn too_many(detail: impl Into<String>, retry_after: Duration) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, detail).retry_after(retry_after)
    }

    /// Says when to try again (a 429 or a 503).
    pub fn retry_after(self, wait: Duration) -> Self {
        Self {
            retry_after: Some(wait),
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.retry_after.map(whole_seconds) {
            Some(seconds) => (
                self.status,
                [(header::RETRY_AFTER, seconds.to_string())],
                Json(json!({ "detail": self.detail, "retry_after_s": seconds })),
            )
                .into_response(),
            None => (self.status, Json(json!({ "detail": self.detail }))).into_response(),
        }
    }
}

/// So that `?` turns an `ApiError` into the response of a handler or an
/// extractor whose refusals are responses.
impl From<ApiError> for Response {
    fn from(error: ApiError) -> Self {
        error.into_response()
    }
}

impl ApiError {
    /// A failure inside the server: the cause goes to the log, the caller
    /// gets one sentence without it.
    pub fn internal(what: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal error while {what}; the operator can find details in the log."),
        )
    }
}

/// The one mapping of tool failures to HTTP statuses.
impl From<ToolError> for ApiError {
    fn from(error: ToolError) -> Self {
        let status = match &error {
            ToolError::UnknownTool(_) => StatusCode::NOT_FOUND,
            ToolError::InvalidArguments(_) | ToolError::MissingCredential(_) => {
                StatusCode::BAD_REQUEST
            }
            ToolError::NotAllowed { .. } => StatusCode::FORBIDDEN,
            ToolError::BadConfirmation | ToolError::ConfirmationUsed => StatusCode::CONFLICT,
            ToolError::LimitReached { .. } | ToolError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            ToolError::Upstream(upstream)
                if matches!(upstream.as_ref(), quendoo_api::Error::Overloaded { .. }) =>
            {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ToolError::DeadlineExceeded { .. } => StatusCode::GATEWAY_TIMEOUT,
            ToolError::OverBudget { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ if error.is_timeout() => StatusCode::GATEWAY_TIMEOUT,
            ToolError::Upstream(_) | ToolError::UnexpectedResponse(_) => StatusCode::BAD_GATEWAY,
            ToolError::UnreadableCredential(_) | ToolError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // The executor has logged the cause; the message holds no secret.
        let retry_after = match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => error.retry_after(),
            _ => None,
        };
        Self {
            retry_after,
            ..Self::new(status, error.to_string())
        }
    }
}

impl From<AuthFailure> for ApiError {
    fn from(failure: AuthFailure) -> Self {
        let status = match &failure {
            AuthFailure::Missing | AuthFailure::Invalid(_) => StatusCode::UNAUTHORIZED,
            AuthFailure::UnknownTenant => StatusCode::NOT_FOUND,
            AuthFailure::Unavailable(error) => {
                tracing::error!(%error, "authentication could not reach the database");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        Self::new(status, failure.to_string())
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, capitalise(&error)),
            StorageError::Conflict(_) => Self::new(StatusCode::CONFLICT, capitalise(&error)),
            _ => Self::internal("using the database", &error),
        }
    }
}

impl From<SecretError> for ApiError {
    fn from(error: SecretError) -> Self {
        match error {
            SecretError::Empty => Self::new(StatusCode::BAD_REQUEST, "key_value must not be empty"),
            SecretError::Storage(error) => error.into(),
            _ => Self::internal("storing a secret", &error),
        }
    }
}

/// Bodies that are not the JSON a route expects: axum's own status (400
/// syntax, 415 content type, 422 shape, 413 size), in our words rather than
/// serde's (which name Rust types: "expected struct ToolCall").
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = match &rejection {
            JsonRejection::JsonDataError(_) => {
                let text = rejection.body_text();
                let reason = text.rsplit("target type: ").next().unwrap_or(&text);
                let reason = reason.split(" at line ").next().unwrap_or(reason);
                let plain = [
                    "missing field",
                    "unknown field",
                    "invalid value",
                    "invalid type",
                ]
                .iter()
                .any(|start| reason.starts_with(start))
                    && !reason.contains("struct");
                if plain {
                    format!("The JSON body does not fit this endpoint: {reason}.")
                } else {
                    "The JSON body does not fit this endpoint: it must be an object with the \
                     fields /openapi.json lists."
                        .to_owned()
                }
            }
            JsonRejection::JsonSyntaxError(_) => "The body is not valid JSON.".to_owned(),
            JsonRejection::MissingJsonContentType(_) => {
                "Send the body as JSON, with Content-Type: application/json.".to_owned()
            }
            _ => rejection.body_text(),
        };
        Self::new(rejection.status(), detail)
    }
}

fn capitalise(error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// `Json<T>` whose rejections are `ApiError`s.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}
