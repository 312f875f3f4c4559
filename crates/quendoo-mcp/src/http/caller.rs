//! Who is calling, as axum extractors: a route names the credential it takes
//! in its signature, and every refusal of a credential looks the same (401
//! with `WWW-Authenticate`, or 503 when it cannot be checked).
//!
//! - [`Caller`]: on `/mcp`, a dashboard token or an access token of the
//!   built-in OAuth server (or the fixed tenant of `--insecure-tenant`).
//! - [`SeedCaller`]: on the seed's REST routes and `/admin/api-keys`, a
//!   dashboard token only, and the seed's 404 for an unknown tenant.
//! - [`PlatformAdmin`]: `ADMIN_TOKEN` or an admin token naming no tenant.
//! - the legacy transport's hotel key, and the REST API's connection, are
//!   extractors of their own modules (`legacy_sse::tenant`, `rest`).

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::{AppState, bearer, error::ApiError, narrowing, pipeline::record_tenant};
use crate::{
    auth::{AuthFailure, bearer_token},
    executor::Caller,
};

/// A refused bearer credential: the response, and whether the token was
/// good but its tenant unknown.
pub struct Refused {
    response: Response,
    unknown_tenant: bool,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        self.response
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let audience = bearer::audience(state, &parts.headers);
        let mut caller = state
            .auth
            .authenticate_mcp(&parts.headers, &audience)
            .await
            .map_err(|failure| refuse(state, &parts.headers, &failure))?;
        caller.narrowing = narrowing::from_headers(&parts.headers).map_err(|error| Refused {
            response: error.into_response(),
            unknown_tenant: false,
        })?;
        record_tenant(&caller.tenant);
        // Kept for whatever runs after (the MCP SDK reads it from there).
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

fn refuse(state: &AppState, headers: &axum::http::HeaderMap, failure: &AuthFailure) -> Refused {
    Refused {
        unknown_tenant: matches!(failure, AuthFailure::UnknownTenant),
        response: bearer::rejection(state, headers, failure),
    }
}

/// The caller on the seed's routes: a dashboard token only (never an OAuth
/// access token, which is for `/mcp`).
pub struct SeedCaller(pub Caller);

impl FromRequestParts<AppState> for SeedCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = state.auth.authenticate(&parts.headers).await;
        match caller.map_err(|failure| refuse(state, &parts.headers, &failure)) {
            Ok(caller) => {
                record_tenant(&caller.tenant);
                Ok(SeedCaller(caller))
            }
            Err(refused) if refused.unknown_tenant => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                AuthFailure::UnknownTenant.to_string(),
            )
            .into()),
            Err(refused) => Err(refused.into_response()),
        }
    }
}

/// The platform administrator.
pub struct PlatformAdmin;

impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(bearer::rejection(
                state,
                &parts.headers,
                &AuthFailure::Missing,
            ));
        };
        if let Some(admin) = &state.config.admin_token
            && same_token(token, admin)
        {
            return Ok(PlatformAdmin);
        }
        let claims = state.auth.jwt().verify(token).map_err(|error| {
            let failure = AuthFailure::Invalid(error.to_string());
            bearer::rejection(state, &parts.headers, &failure)
        })?;
        // A token naming a hotel is that hotel's, whatever role it carries there.
        if claims.role.as_deref() == Some("admin") && claims.tenant_id.is_none() {
            return Ok(PlatformAdmin);
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Platform administration needs ADMIN_TOKEN or an admin token (role \"admin\", no tenantId)",
        )
        .into_response())
    }
}

/// Compares in constant time: both sides are MACed under the same key, so
/// neither the content nor the length of the configured token leaks.
pub(super) fn same_token(presented: &str, configured: &SecretString) -> bool {
    let tag = |token: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"quendoo-mcp admin token")
            .expect("HMAC accepts keys of any length");
        mac.update(token);
        mac
    };
    let expected = tag(configured.expose_secret().as_bytes())
        .finalize()
        .into_bytes();
    tag(presented.as_bytes()).verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_token_matches() {
        let configured = SecretString::from("a".repeat(40));
        assert!(same_token(&"a".repeat(40), &configured));
        assert!(!same_token(&"a".repeat(39), &configured));
        assert!(!same_token(&"b".repeat(40), &configured));
        assert!(!same_token("", &configured));
    }
}
