//! Bearer authentication for the MCP transports, as an OAuth 2.1 resource
//! server: 401 with `WWW-Authenticate` pointing at the RFC 9728 metadata,
//! which is served here too.

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use super::{AppState, error::ApiError};
use crate::auth::AuthFailure;

const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The response to a refused credential, on every route.
pub fn rejection(state: &AppState, headers: &HeaderMap, failure: &AuthFailure) -> Response {
    if let AuthFailure::Unavailable(error) = failure {
        tracing::error!(%error, "authentication could not reach the database");
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, failure.to_string()).into_response();
    }
    let metadata = format!("{}{METADATA_PATH}/mcp", public_base(state, headers));
    let mut challenge = format!("Bearer resource_metadata=\"{metadata}\"");
    if !matches!(failure, AuthFailure::Missing) {
        challenge.push_str(", error=\"invalid_token\"");
    }
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, failure.to_string()).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The URL clients reach us by: `PUBLIC_URL`, else the (already checked) Host.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// RFC 9728 protected-resource metadata, at the root and path-inserted forms.
pub fn metadata_router() -> Router<AppState> {
    Router::new()
        .route(METADATA_PATH, get(metadata))
        .route(&format!("{METADATA_PATH}/mcp"), get(metadata))
}

async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let base = public_base(&state, &headers);
    let mut document = json!({
        "resource": format!("{base}/mcp"),
        "resource_name": "Quendoo MCP server",
        "bearer_methods_supported": ["header"],
    });
    if let Some(issuer) = state
        .auth
        .jwt()
        .issuer()
        .filter(|i| i.starts_with("https://") || i.starts_with("http://"))
    {
        document["authorization_servers"] = json!([issuer]);
    }
    Json(document)
}
