//! `/oauth/token` (authorization code with PKCE, refresh) and
//! `/oauth/revoke` (RFC 7009). A code is used once: a second use revokes what
//! the first issued. A refresh token is replaced on every use: presenting a
//! replaced one revokes its whole family (the grant).

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{authorize::is_pkce_value, form_fields, random_token};
use crate::{
    auth::{AccessClaims, Scopes},
    crypto::token_hash,
    http::{AppState, bearer},
    storage::{Grant, Redemption},
};

/// An OAuth error answer (RFC 6749 §5.2).
fn refused(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response(),
    )
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn invalid_grant(description: &str) -> Response {
    refused(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn unavailable(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "the token endpoint could not use the database");
    refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "try again shortly",
    )
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let field = |name: &str| {
        fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(client_id) = field("client_id") else {
        return refused(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is required",
        );
    };
    let audience = bearer::audience(&state, &headers);
    if field("resource").is_some_and(|asked| asked != audience.resource) {
        return refused(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            "resource must be this server's MCP URL",
        );
    }
    match field("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri), Some(verifier)) =
                (field("code"), field("redirect_uri"), field("code_verifier"))
            else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code, redirect_uri and code_verifier are required",
                );
            };
            exchange_code(
                &state,
                &audience.issuer,
                client_id,
                code,
                redirect_uri,
                verifier,
            )
            .await
        }
        Some("refresh_token") => {
            let Some(refresh_token) = field("refresh_token") else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            refresh(
                &state,
                &audience.issuer,
                client_id,
                refresh_token,
                field("scope"),
            )
            .await
        }
        _ => refused(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
    }
}

async fn exchange_code(
    state: &AppState,
    issuer: &str,
    client_id: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Response {
    let issued = match state.store.redeem_code(&token_hash(code)).await {
        Ok(Redemption::Fresh(issued)) => issued,
        Ok(Redemption::Reused { grant_id }) => {
            revoke_family(state, &grant_id, "a code was used twice").await;
            return invalid_grant("this code was already used; what it issued has been revoked");
        }
        Ok(Redemption::Invalid) => return invalid_grant("the code is unknown or has expired"),
        Err(error) => return unavailable(&error),
    };
    if issued.grant.client_id != client_id {
        return invalid_grant("the code was issued to another client");
    }
    if issued.redirect_uri != redirect_uri {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if !is_pkce_value(verifier) || computed != issued.code_challenge {
        return invalid_grant("code_verifier does not match the code_challenge");
    }
    let scopes = Scopes::parse(&issued.grant.scope).unwrap_or(Scopes::NONE);
    issue(state, issuer, &issued.grant, scopes).await
}

async fn refresh(
    state: &AppState,
    issuer: &str,
    client_id: &str,
    token: &str,
    scope: Option<&str>,
) -> Response {
    let grant = match state.store.redeem_refresh_token(&token_hash(token)).await {
        Ok(Redemption::Fresh(grant)) => grant,
        Ok(Redemption::Reused { grant_id }) => {
            revoke_family(state, &grant_id, "a refresh token was used twice").await;
            return invalid_grant(
                "this refresh token was already used; its family has been revoked",
            );
        }
        Ok(Redemption::Invalid) => {
            return invalid_grant("the refresh token is unknown or has expired");
        }
        Err(error) => return unavailable(&error),
    };
    if grant.client_id != client_id {
        return invalid_grant("the refresh token was issued to another client");
    }
    let granted = Scopes::parse(&grant.scope).unwrap_or(Scopes::NONE);
    let scopes = match scope.map(Scopes::parse) {
        None => granted,
        Some(Ok(asked)) if asked.intersection(granted) == asked => asked,
        Some(_) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "a refresh may narrow the scopes, never widen them",
            );
        }
    };
    issue(state, issuer, &grant, scopes).await
}

/// A new access token and refresh token for `grant`, if it still stands.
async fn issue(state: &AppState, issuer: &str, grant: &Grant, scopes: Scopes) -> Response {
    match state.store.active_grant(&grant.id).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return invalid_grant("what was granted has been revoked, or the user disabled");
        }
        Err(error) => return unavailable(&error),
    }
    let config = &state.config;
    let claims = AccessClaims {
        iss: issuer.to_owned(),
        aud: grant.resource.clone(),
        sub: grant.user_id.to_string(),
        gid: grant.id.clone(),
        scope: scopes.to_string(),
        client_id: grant.client_id.clone(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
        iat: 0,
        exp: 0,
    };
    let access = match state
        .auth
        .jwt()
        .access_tokens()
        .issue(claims, config.oauth_access_token_ttl)
    {
        Ok(access) => access,
        Err(error) => return unavailable(&error),
    };
    let refresh = random_token();
    if let Err(error) = state
        .store
        .save_refresh_token(
            &token_hash(&refresh),
            &grant.id,
            config.oauth_refresh_token_ttl,
        )
        .await
    {
        return unavailable(&error);
    }
    tracing::info!(grant = %grant.id, tenant = %grant.tenant_id, client_id = %grant.client_id, "OAuth tokens issued");
    no_store(
        Json(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": config.oauth_access_token_ttl.as_secs(),
            "refresh_token": refresh,
            "scope": scopes.to_string(),
        }))
        .into_response(),
    )
}

async fn revoke_family(state: &AppState, grant_id: &str, why: &str) {
    match state.store.revoke_grant(grant_id).await {
        Ok(_) => tracing::warn!(grant = %grant_id, "{why}: the grant is revoked"),
        Err(error) => tracing::error!(%error, grant = %grant_id, "revoking a grant failed"),
    }
}

/// RFC 7009: a refresh token or an access token; the grant behind it is
/// revoked. The answer is 200 whatever the token was.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let Some(token) = fields.get("token").filter(|t| !t.is_empty()) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let grant = match state.store.grant_of_refresh_token(&token_hash(token)).await {
        Ok(Some(grant)) => Some(grant),
        Ok(None) => {
            let audience = bearer::audience(&state, &headers);
            state
                .auth
                .jwt()
                .access_tokens()
                .verify(token, &audience.issuer, &audience.resource)
                .ok()
                .map(|claims| claims.gid)
        }
        Err(error) => return unavailable(&error),
    };
    if let Some(grant) = grant {
        revoke_family(&state, &grant, "revoked by its client").await;
    }
    no_store(StatusCode::OK.into_response())
}
