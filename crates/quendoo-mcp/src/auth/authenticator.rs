//! Who is calling. A verified bearer token names the tenant (and maybe the
//! user); the tenant must exist. Nothing a model says takes part.

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use super::{
    AccessClaims, Scopes,
    jwt::JwtKeys,
    verified::{Verified, VerifiedTokens},
};
use crate::{
    domain::{TenantId, UserId},
    executor::Caller,
    storage::{StorageError, Store, TenantStamp},
};

#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    #[error("Authorization required: send `Authorization: Bearer <token>`.")]
    Missing,
    #[error("Invalid token: {0}.")]
    Invalid(String),
    #[error("The token's tenant does not exist on this server.")]
    UnknownTenant,
    #[error("Credentials cannot be checked right now; try again shortly.")]
    Unavailable(#[source] StorageError),
}

#[derive(Clone)]
pub struct Authenticator {
    jwt: Arc<JwtKeys>,
    verified: VerifiedTokens,
    store: Store,
    /// Set only by the loopback-only `--insecure-tenant` mode (conformance
    /// runs): every request acts for this tenant, with no token.
    fixed_tenant: Option<TenantId>,
}

impl Authenticator {
    /// `verified_capacity`: how many verified tokens are kept (`verified`).
    pub fn new(
        jwt: JwtKeys,
        verified_capacity: u64,
        store: Store,
        fixed_tenant: Option<TenantId>,
    ) -> Self {
        Self {
            jwt: Arc::new(jwt),
            verified: VerifiedTokens::new(verified_capacity),
            store,
            fixed_tenant,
        }
    }

    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    /// The caller behind the request's `Authorization` header.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, AuthFailure> {
        if let Some(tenant) = &self.fixed_tenant {
            return Ok(Caller::hotel(tenant.clone(), None, None));
        }
        let token = bearer_token(headers).ok_or(AuthFailure::Missing)?;
        self.caller_for_token(token).await
    }

    /// The caller a token stands for, once its signature, expiry, issuer and
    /// audience are checked and its tenant is known to exist (the lookup
    /// of the request: `Store::tenant_stamp`).
    pub async fn caller_for_token(&self, token: &str) -> Result<Caller, AuthFailure> {
        let token = self.verify(token).await?;
        self.hotel_caller(token).await
    }

    async fn hotel_caller(&self, token: HotelToken) -> Result<Caller, AuthFailure> {
        let stamp = self
            .store
            .tenant_stamp(&token.tenant)
            .await
            .map_err(AuthFailure::Unavailable)?
            .ok_or(AuthFailure::UnknownTenant)?;
        token.caller(stamp)
    }

    /// A dashboard token's claims, checked without the database: the caller
    /// still has to look its tenant up (`HotelToken::caller`).
    pub async fn verify(&self, token: &str) -> Result<HotelToken, AuthFailure> {
        if let Some(Verified::Dashboard(known)) = self.verified.get(token).await {
            return Ok(known);
        }
        let claims = self
            .jwt
            .verify(token)
            .map_err(|error| AuthFailure::Invalid(error.to_string()))?;
        let tenant = claims
            .tenant_id
            .ok_or_else(|| AuthFailure::Invalid("token names no tenant (claim tenantId)".into()))?;
        let user = claims
            .sub
            .as_deref()
            .and_then(|sub| sub.parse::<UserId>().ok());
        let verified = HotelToken {
            tenant,
            user,
            issued_at: claims.iat,
        };
        // `/mcp` takes a token typed as an access token for one, whatever
        // else it would pass as: such a token is checked in full each time.
        if !is_access_token(token) {
            self.verified
                .keep(token, claims.exp, Verified::Dashboard(verified.clone()))
                .await;
        }
        Ok(verified)
    }

    /// An OAuth access token's claims, checked for `audience`.
    async fn verify_access(
        &self,
        token: &str,
        audience: &OAuthAudience,
    ) -> Result<Arc<AccessClaims>, AuthFailure> {
        let claims = self
            .jwt
            .access_tokens()
            .verify(token, &audience.issuer, &audience.resource)
            .map_err(|error| AuthFailure::Invalid(error.to_string()))?;
        let claims = Arc::new(claims);
        self.verified
            .keep(token, claims.exp, Verified::Access(claims.clone()))
            .await;
        Ok(claims)
    }

    /// The caller behind a bearer token on `/mcp`, where the OAuth server's
    /// access tokens (for `audience`) work beside the dashboard's tokens.
    pub async fn authenticate_mcp(
        &self,
        headers: &HeaderMap,
        audience: &OAuthAudience,
    ) -> Result<Caller, AuthFailure> {
        let Some(token) = bearer_token(headers) else {
            return self.authenticate(headers).await;
        };
        let claims = match self.verified.get(token).await {
            Some(Verified::Dashboard(known)) => return self.hotel_caller(known).await,
            Some(Verified::Access(claims)) if audience.issued(&claims) => claims,
            _ if !is_access_token(token) => return self.caller_for_token(token).await,
            _ => self.verify_access(token, audience).await?,
        };
        let (grant, stamp) = self
            .store
            .active_grant(&claims.gid)
            .await
            .map_err(AuthFailure::Unavailable)?
            .ok_or_else(|| {
                AuthFailure::Invalid(
                    "what was granted to this client has been revoked; sign in again".into(),
                )
            })?;
        let scopes = Scopes::parse(&claims.scope).map_err(AuthFailure::Invalid)?;
        Ok(Caller {
            scopes,
            ..Caller::hotel(grant.tenant_id, Some(grant.user_id), Some(stamp))
        })
    }
}

/// A verified dashboard token, whose tenant is not looked up yet.
#[derive(Debug, Clone)]
pub struct HotelToken {
    pub tenant: TenantId,
    pub user: Option<UserId>,
    pub(super) issued_at: Option<i64>,
}

impl HotelToken {
    /// The caller, given the stamp of the token's tenant as just read.
    pub fn caller(self, stamp: TenantStamp) -> Result<Caller, AuthFailure> {
        // A tenant deleted and created again under the same id is a new
        // hotel: the old one's tokens do not carry over.
        if self
            .issued_at
            .is_some_and(|iat| iat < stamp.created_at.timestamp())
        {
            return Err(AuthFailure::Invalid(
                "token was issued before this tenant was created".into(),
            ));
        }
        Ok(Caller::hotel(self.tenant, self.user, Some(stamp)))
    }
}

/// Whom OAuth access tokens must have been issued by and for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAudience {
    /// This server's issuer (its public base URL).
    pub issuer: String,
    /// Its MCP URL, the tokens' audience.
    pub resource: String,
}

impl OAuthAudience {
    /// Whether access token `claims` were issued by and for it.
    fn issued(&self, claims: &AccessClaims) -> bool {
        claims.iss == self.issuer && claims.aud == self.resource
    }
}

/// Whether `token` says it is an OAuth access token (`typ: at+jwt`, RFC 9068).
fn is_access_token(token: &str) -> bool {
    jsonwebtoken::decode_header(token).is_ok_and(|header| header.typ.as_deref() == Some("at+jwt"))
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is
/// case-insensitive, RFC 6750).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_tokens_are_found_whatever_the_scheme_case() {
        assert_eq!(bearer_token(&headers("Bearer abc.def")), Some("abc.def"));
        assert_eq!(bearer_token(&headers("bearer  abc")), Some("abc"));
        assert_eq!(bearer_token(&headers("Basic abc")), None);
        assert_eq!(bearer_token(&headers("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
