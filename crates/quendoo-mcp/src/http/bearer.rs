//! Bearer authentication as an OAuth 2.1 resource server: the one answer to
//! a refused credential (401 with `WWW-Authenticate` pointing at the RFC
//! 9728 metadata and naming the scopes), the step-up answer (403
//! `insufficient_scope`), and the protected-resource metadata itself.

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use super::{AppState, error::ApiError};
use crate::auth::{AuthFailure, OAuthAudience, Scopes};

const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The response to a refused credential, on every route.
pub fn rejection(state: &AppState, headers: &HeaderMap, failure: &AuthFailure) -> Response {
    if let AuthFailure::Unavailable(error) = failure {
        tracing::error!(%error, "authentication could not reach the database");
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, failure.to_string()).into_response();
    }
    let error = (!matches!(failure, AuthFailure::Missing)).then_some("invalid_token");
    challenge(
        state,
        headers,
        StatusCode::UNAUTHORIZED,
        error,
        Scopes::ALL,
        failure.to_string(),
    )
}

/// 403 for a token without the scope an operation needs: `scopes` is what
/// to ask for (what it has, and what it lacks).
pub fn insufficient_scope(
    state: &AppState,
    headers: &HeaderMap,
    scopes: Scopes,
    detail: String,
) -> Response {
    challenge(
        state,
        headers,
        StatusCode::FORBIDDEN,
        Some("insufficient_scope"),
        scopes,
        detail,
    )
}

fn challenge(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
    scopes: Scopes,
    detail: String,
) -> Response {
    let metadata = format!("{}{METADATA_PATH}/mcp", public_base(state, headers));
    let mut challenge = format!("Bearer resource_metadata=\"{metadata}\", scope=\"{scopes}\"");
    if let Some(error) = error {
        challenge.push_str(&format!(", error=\"{error}\""));
    }
    let mut response = ApiError::new(status, detail).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The URL clients reach us by: `PUBLIC_URL`, else the (already checked)
/// Host. It is also the OAuth issuer.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// This server as an OAuth issuer, and its MCP URL as the audience.
pub fn audience(state: &AppState, headers: &HeaderMap) -> OAuthAudience {
    let issuer = public_base(state, headers);
    OAuthAudience {
        resource: format!("{issuer}/mcp"),
        issuer,
    }
}

/// RFC 9728 protected-resource metadata, at the root and path-inserted forms.
pub fn metadata_router() -> Router<AppState> {
    Router::new()
        .route(METADATA_PATH, get(metadata))
        .route(&format!("{METADATA_PATH}/mcp"), get(metadata))
}

async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let OAuthAudience { issuer, resource } = audience(&state, &headers);
    Json(json!({
        "resource": resource,
        "resource_name": "Quendoo MCP server",
        "authorization_servers": [issuer],
        "scopes_supported": Scopes::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "bearer_methods_supported": ["header"],
    }))
}
