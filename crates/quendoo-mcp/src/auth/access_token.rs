//! OAuth access tokens: JWTs (RFC 9068 shape) signed with a key derived
//! from JWT_SECRET for this use only, so that a dashboard token is never an
//! access token and the reverse. Any replica verifies them; every request
//! also checks that the grant behind one still stands (revocation, a
//! disabled user, a deleted hotel).

use std::time::Duration;

use chrono::Utc;
use hkdf::Hkdf;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::jwt::AuthError;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The MCP URL it was issued for (RFC 8707).
    pub aud: String,
    /// The user.
    pub sub: String,
    /// The grant it comes from.
    pub gid: String,
    /// Space-separated scopes.
    pub scope: String,
    pub client_id: String,
    /// Unique per token (two issued in the same second differ).
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct AccessTokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// A 32-byte key for one purpose, derived from JWT_SECRET.
pub(super) fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(None, secret)
        .expand(purpose.as_bytes(), &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    key
}

impl AccessTokenKeys {
    pub(super) fn new(secret: &[u8]) -> Self {
        let key = derive_key(secret, "quendoo-mcp oauth access token v1");
        AccessTokenKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }

    pub fn issue(
        &self,
        claims_without_times: AccessClaims,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let iat = Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).map_err(|_| AuthError::Signing)?;
        let claims = AccessClaims {
            iat,
            exp: iat.checked_add(ttl).ok_or(AuthError::Signing)?,
            ..claims_without_times
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|_| AuthError::Signing)
    }

    /// The claims of a valid token issued by `issuer` for `audience`.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<AccessClaims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Ok(jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "https://mcp.example".into(),
            aud: "https://mcp.example/mcp".into(),
            sub: "u1".into(),
            gid: "g1".into(),
            scope: "pms:read".into(),
            client_id: "c1".into(),
            jti: "j1".into(),
            iat: 0,
            exp: 0,
        }
    }

    #[test]
    fn only_this_issuer_and_audience_and_key() {
        let keys = AccessTokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(claims(), Duration::from_secs(60)).unwrap();
        let ok = keys
            .verify(&token, "https://mcp.example", "https://mcp.example/mcp")
            .unwrap();
        assert_eq!(ok.gid, "g1");
        assert_eq!(
            keys.verify(&token, "https://mcp.example", "https://other.example/mcp"),
            Err(AuthError::WrongAudience)
        );
        let other = AccessTokenKeys::new(b"another secret, just as long as t");
        assert_eq!(
            other.verify(&token, "https://mcp.example", "https://mcp.example/mcp"),
            Err(AuthError::BadSignature)
        );
    }
}
