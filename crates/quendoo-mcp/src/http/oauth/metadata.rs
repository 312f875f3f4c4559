//! RFC 8414 authorization server metadata (also at the OpenID discovery
//! path, which some clients try first), with this server as the issuer.

use axum::{Json, Router, extract::State, http::HeaderMap, response::IntoResponse, routing::get};
use serde_json::json;

use crate::{
    auth::Scopes,
    http::{AppState, bearer},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/.well-known/openid-configuration", get(metadata))
}

async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let issuer = bearer::audience(&state, &headers).issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "registration_endpoint": format!("{issuer}/oauth/register"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "scopes_supported": Scopes::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    }))
}
