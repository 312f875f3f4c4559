//! The OAuth 2.1 authorization server built into quendoo-mcp, so that hotel
//! staff can add the hotel's server to the assistant they use (claude.ai,
//! Claude Desktop and Code, ChatGPT, the Inspector), sign in with their own
//! account and approve what it may do. Authorization code with PKCE (S256)
//! for public clients, registered by Client ID Metadata Document or RFC 7591;
//! RFC 8414 metadata; refresh tokens rotated, with reuse revoking the
//! family; RFC 7009 revocation. Its state lives in the database, so any
//! replica can finish a flow another started.

mod authorize;
pub mod clients;
mod metadata;
mod pages;
mod register;
mod seal;
mod strings;
mod token;

use std::{collections::HashMap, time::Duration};

use axum::{
    Router,
    http::{HeaderName, Method, header},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use tower_http::cors::{Any, CorsLayer};

use super::AppState;

/// A code is exchanged within seconds; this leaves room for a slow client.
const CODE_TTL: Duration = Duration::from_secs(120);

/// The OAuth endpoints any web page may call: metadata, registration, token
/// and revocation answer browser-based clients from any origin (they take
/// no cookie).
pub fn public_router() -> Router<AppState> {
    Router::new()
        .merge(metadata::router())
        .route("/oauth/register", post(register::register))
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
}

/// CORS for those endpoints (and the protected-resource metadata).
pub fn public_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("mcp-protocol-version"),
        ])
}

/// The sign-in and consent pages: same-origin only, like every route.
pub fn pages_router() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::start).post(authorize::sign_in),
        )
        .route("/oauth/consent", post(authorize::consent))
}

/// A fresh random token: 32 bytes, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A password to hand out (the demo user's): 24 random base64url characters.
pub fn new_password() -> String {
    random_token()[..24].to_owned()
}

/// An `application/x-www-form-urlencoded` body; the first of a repeated
/// field counts.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}
