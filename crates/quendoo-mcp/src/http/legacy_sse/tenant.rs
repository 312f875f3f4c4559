//! Who a legacy POST acts for. A bearer token, when present, works as on
//! `/mcp`; otherwise the hotel's own Quendoo key (`X-Quendoo-Api-Key`) is the
//! credential, found through its keyed hash. With `LEGACY_AUTO_TENANT`, a key
//! that belongs to no tenant yet gets one once Quendoo accepts it.
//!
//! The key is never logged nor echoed: messages name the header, not its value.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION, request::Parts},
    response::{IntoResponse, Response},
};
use moka::future::Cache;
use secrecy::{ExposeSecret, SecretString};
use serde::de::IgnoredAny;
use sha2::{Digest, Sha256};

use crate::{
    auth::{AuthFailure, bearer_token},
    domain::KeyName,
    executor::{Caller, Origin, Transport},
    http::{AppState, bearer, error::ApiError, narrowing, pipeline::record_tenant},
    limits::{Limiter, Refusal},
    storage::{StorageError, TenantStamp},
    tools::whole_seconds,
};

pub(super) const KEY_HEADER: &str = "x-quendoo-api-key";

/// The caller of a legacy POST: by its hotel key, or its bearer token.
pub(super) struct HotelCaller(pub Caller);

impl FromRequestParts<AppState> for HotelCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let checks = parts.extensions.get::<NewKeyChecks>().cloned();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        let mut caller = caller(state, &parts.headers, checks.as_ref().zip(peer)).await?;
        record_tenant(&caller.tenant);
        caller.origin = Origin::from_user_agent(Transport::LegacySse, &parts.headers);
        caller.narrowing = narrowing::from_headers(&parts.headers)?;
        Ok(HotelCaller(caller))
    }
}

/// Who opens an `/sse` stream: the hotel its credential names, or nobody
/// when it sends none (as the dashboard does); a bad credential is refused.
pub(super) struct StreamOwner(pub Option<Caller>);

impl FromRequestParts<AppState> for StreamOwner {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if !parts.headers.contains_key(AUTHORIZATION) && !parts.headers.contains_key(KEY_HEADER) {
            return Ok(StreamOwner(None));
        }
        let HotelCaller(caller) = HotelCaller::from_request_parts(parts, state).await?;
        Ok(StreamOwner(Some(caller)))
    }
}

/// The caller, or the response that refuses the request. `checks` bound
/// what keys no hotel holds may cost (with `LEGACY_AUTO_TENANT`).
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    checks: Option<(&NewKeyChecks, IpAddr)>,
) -> Result<Caller, Response> {
    let key = headers
        .get(KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty());
    match key {
        // Without a key, the bearer rules of `/mcp` apply, including its 401.
        Some(key) if bearer_token(headers).is_none() => {
            caller_for_key(state, &SecretString::from(key), checks)
                .await
                .map_err(IntoResponse::into_response)
        }
        _ => state
            .auth
            .authenticate(headers)
            .await
            .map_err(|failure| match failure {
                // This transport's own credential is the hotel key: say so.
                AuthFailure::Missing => KeyFailure::Missing.into_response(),
                failure => bearer::rejection(state, headers, &failure),
            }),
    }
}

#[derive(Debug, thiserror::Error)]
enum KeyFailure {
    #[error(
        "Credentials required: send the hotel's Quendoo API key in X-Quendoo-Api-Key, \
         or `Authorization: Bearer <token>`."
    )]
    Missing,
    #[error(
        "This Quendoo API key (X-Quendoo-Api-Key) belongs to no hotel on this server; the \
         operator stores it with `quendoo-mcp api-key set --name QUENDOO_API_KEY`."
    )]
    Unknown,
    #[error("Quendoo does not accept this API key (X-Quendoo-Api-Key).")]
    Rejected,
    #[error("The API key cannot be checked right now; try again shortly.")]
    Unavailable,
    #[error(
        "Too many new Quendoo API keys were tried from this address; try again in {} s.",
        whole_seconds(.0.retry_after)
    )]
    TooManyNewKeys(Refusal),
}

impl IntoResponse for KeyFailure {
    fn into_response(self) -> Response {
        let status = match &self {
            KeyFailure::Missing | KeyFailure::Unknown | KeyFailure::Rejected => {
                StatusCode::UNAUTHORIZED
            }
            KeyFailure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            KeyFailure::TooManyNewKeys(refusal) => {
                let wait = refusal.retry_after;
                return ApiError::too_many(self.to_string(), wait).into_response();
            }
        };
        ApiError::new(status, self.to_string()).into_response()
    }
}

async fn caller_for_key(
    state: &AppState,
    key: &SecretString,
    checks: Option<(&NewKeyChecks, IpAddr)>,
) -> Result<Caller, KeyFailure> {
    let (tenant, stamp) = match find(state, key).await? {
        Some((tenant, stamp)) => (tenant, Some(stamp)),
        None if state.config.legacy_auto_tenant => {
            if let Some((checks, peer)) = checks {
                checks.admit(key, peer).await?;
            }
            let created = create_tenant_for(state, key).await;
            if let (Err(KeyFailure::Rejected), Some((checks, _))) = (&created, checks) {
                checks.remember_rejected(key).await;
            }
            (created?, None)
        }
        None => return Err(KeyFailure::Unknown),
    };
    Ok(Caller::hotel(tenant, None, stamp))
}

async fn find(
    state: &AppState,
    key: &SecretString,
) -> Result<Option<(crate::domain::TenantId, TenantStamp)>, KeyFailure> {
    state
        .secrets
        .find_tenant_by_quendoo_key(key)
        .await
        .map_err(|error| {
            tracing::error!(%error, "looking up a hotel key failed");
            KeyFailure::Unavailable
        })
}

/// Checks the key with one PMS call, then gives it a tenant. Concurrent first
/// calls (on any replica) meet on the one tenant id derived from the key: the
/// first creates it, the others find it.
async fn create_tenant_for(
    state: &AppState,
    key: &SecretString,
) -> Result<crate::domain::TenantId, KeyFailure> {
    match state
        .protocol
        .executor()
        .client()
        .get_property_settings::<IgnoredAny>(key, None, Some("property"))
        .await
    {
        Ok(_) => {}
        Err(quendoo_api::Error::KeyRejected { .. }) => return Err(KeyFailure::Rejected),
        Err(error) => {
            tracing::warn!(%error, "could not verify a new hotel key with Quendoo");
            return Err(KeyFailure::Unavailable);
        }
    }
    let unavailable = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "creating a tenant for a new hotel key failed");
        KeyFailure::Unavailable
    };
    let tenant = state
        .secrets
        .tenant_id_for_quendoo_key(key)
        .map_err(|e| unavailable(&e))?;
    match state
        .store
        .create_tenant(
            Some(tenant.clone()),
            "Hotel (created by LEGACY_AUTO_TENANT)",
        )
        .await
    {
        Ok(_) => {
            tracing::info!(%tenant, "created a tenant for a new hotel key (LEGACY_AUTO_TENANT)")
        }
        // Another call got there first. If it has stored a key already, trust
        // only the lookup: that tenant's key may since have been changed.
        Err(StorageError::Conflict(_)) => {
            let stored = state
                .secrets
                .get(&tenant, KeyName::QuendooApiKey)
                .await
                .map_err(|e| unavailable(&e))?;
            if stored.is_some() {
                let (tenant, _) = find(state, key).await?.ok_or(KeyFailure::Unknown)?;
                return Ok(tenant);
            }
        }
        Err(error) => return Err(unavailable(&error)),
    }
    state
        .secrets
        .set(&tenant, KeyName::QuendooApiKey, key)
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(tenant)
}

/// What keys that no hotel holds may cost with `LEGACY_AUTO_TENANT`, where
/// each is checked with a call to Quendoo: a key Quendoo refused is refused
/// again here for ten minutes without asking; an address may have at most
/// so many keys checked a minute (`Limits::legacy_new_keys`). So a flood of
/// made-up keys cannot get this server's address throttled by Quendoo for
/// every hotel.
#[derive(Clone)]
pub(super) struct NewKeyChecks {
    rejected: Cache<[u8; 32], ()>,
    per_address: Limiter,
}

impl NewKeyChecks {
    pub(super) fn new(per_address: Limiter) -> Self {
        NewKeyChecks {
            rejected: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            per_address,
        }
    }

    fn fingerprint(key: &SecretString) -> [u8; 32] {
        Sha256::digest(key.expose_secret().as_bytes()).into()
    }

    async fn admit(&self, key: &SecretString, peer: IpAddr) -> Result<(), KeyFailure> {
        if self.rejected.contains_key(&Self::fingerprint(key)) {
            return Err(KeyFailure::Rejected);
        }
        self.per_address
            .admit(&peer.to_string())
            .await
            .map(drop)
            .map_err(KeyFailure::TooManyNewKeys)
    }

    async fn remember_rejected(&self, key: &SecretString) {
        self.rejected.insert(Self::fingerprint(key), ()).await;
    }
}
