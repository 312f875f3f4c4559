use std::fmt;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::access_token::{AccessTokenKeys, derive_key};
use crate::domain::{TenantId, UserId};

/// `aud` may be one string or a list (RFC 7519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims the dashboard puts in its tokens (`tenantId`, `sub`, `iat`,
/// `exp`), plus the optional standard ones we check when configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Absent only in a platform administrator's token (`role: "admin"`),
    /// which acts for no hotel.
    #[serde(
        rename = "tenantId",
        alias = "tenant_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tenant_id: Option<TenantId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Optional on input: tokens from other issuers may omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// Why a token was refused. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet (nbf)")]
    NotYetValid,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token algorithm is not accepted (only HS256 is)")]
    WrongAlgorithm,
    #[error("token issuer is not accepted")]
    WrongIssuer,
    #[error("token audience is not accepted")]
    WrongAudience,
    #[error("token is malformed or lacks a required claim")]
    Malformed,
    #[error("token could not be signed")]
    Signing,
}

impl From<jsonwebtoken::errors::Error> for AuthError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        match err.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => AuthError::WrongAlgorithm,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            _ => AuthError::Malformed,
        }
    }
}

/// Signs and verifies HS256 tokens with `JWT_SECRET`, and holds the keys
/// derived from it for the OAuth server (access tokens, sealed forms).
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    access_tokens: AccessTokenKeys,
    form_key: [u8; 32],
    confirmation_key: [u8; 32],
}

impl JwtKeys {
    /// `issuer`/`audience`, when given, are put into issued tokens and
    /// required in verified ones.
    pub fn new(secret: &SecretString, issuer: Option<String>, audience: Option<String>) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // Pinned to HS256: a token naming any other algorithm (or `none`) fails.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_nbf = true;
        let mut required = vec!["exp"];
        if let Some(iss) = &issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            // Without a configured audience there is nothing to compare with.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            issuer,
            audience,
            access_tokens: AccessTokenKeys::new(bytes),
            form_key: derive_key(bytes, "quendoo-mcp oauth forms v1"),
            confirmation_key: derive_key(bytes, "quendoo-mcp write confirmations v1"),
        }
    }

    /// The keys of OAuth access tokens.
    pub fn access_tokens(&self) -> &AccessTokenKeys {
        &self.access_tokens
    }

    /// The key that seals the sign-in and consent forms' state.
    pub fn form_key(&self) -> &[u8; 32] {
        &self.form_key
    }

    /// The key that seals the confirmation codes of writes.
    pub fn confirmation_key(&self) -> [u8; 32] {
        self.confirmation_key
    }

    /// The required issuer, when one is configured.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// An HS256 token for the tenant (and user, as `sub`) valid for `ttl`.
    pub fn issue(
        &self,
        tenant: &TenantId,
        user: Option<&UserId>,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let iat = Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).map_err(|_| AuthError::Signing)?;
        let claims = Claims {
            tenant_id: Some(tenant.clone()),
            sub: user.map(ToString::to_string),
            iat: Some(iat),
            exp: iat.checked_add(ttl).ok_or(AuthError::Signing)?,
            role: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(Audience::One),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::Signing)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("secret", &"[REDACTED]")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn keys() -> JwtKeys {
        JwtKeys::new(&SECRET.into(), None, None)
    }

    fn tenant() -> TenantId {
        "hotel-1".parse().unwrap()
    }

    fn sign(claims: serde_json::Value, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn issued_tokens_verify_with_the_dashboard_claims() {
        let user: UserId = "u1".parse().unwrap();
        let token = keys()
            .issue(&tenant(), Some(&user), Duration::from_secs(3600))
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let raw: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(raw["tenantId"], "hotel-1");
        assert_eq!(raw["sub"], "u1");
        assert!(raw["iat"].is_i64() && raw["exp"].is_i64());

        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.tenant_id, Some(tenant()));
        assert_eq!(claims.sub.as_deref(), Some("u1"));
        assert_eq!(claims.exp - claims.iat.unwrap(), 3600);
    }

    #[test]
    fn snake_case_tenant_claim_is_accepted() {
        let exp = Utc::now().timestamp() + 60;
        let token = sign(json!({"tenant_id": "t2", "exp": exp}), SECRET);
        assert_eq!(
            keys().verify(&token).unwrap().tenant_id.unwrap().as_str(),
            "t2"
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        let exp = Utc::now().timestamp() + 60;
        let k = keys();
        assert_eq!(
            k.verify(&sign(
                json!({"tenantId": "t", "exp": exp}),
                "another-secret-another-secret-xx"
            )),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            k.verify(&sign(json!({"tenantId": "t", "exp": 1_000}), SECRET)),
            Err(AuthError::Expired)
        );
        assert_eq!(
            k.verify(&sign(json!({"tenantId": "t"}), SECRET)),
            Err(AuthError::Malformed),
            "exp is required"
        );
        assert_eq!(
            k.verify(&sign(json!({"tenantId": "no spaces", "exp": exp}), SECRET)),
            Err(AuthError::Malformed)
        );
        assert_eq!(k.verify("not a token"), Err(AuthError::Malformed));

        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &json!({"tenantId": "t", "exp": exp}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_eq!(k.verify(&hs512), Err(AuthError::WrongAlgorithm));

        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(json!({"tenantId": "t", "exp": exp}).to_string());
        assert!(k.verify(&format!("{none_header}.{body}.")).is_err());
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let strict = JwtKeys::new(&SECRET.into(), Some("dash".into()), Some("mcp".into()));
        let token = strict
            .issue(&tenant(), None, Duration::from_secs(60))
            .unwrap();
        let claims = strict.verify(&token).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("dash"));
        assert_eq!(claims.aud, Some(Audience::One("mcp".into())));

        let plain = keys()
            .issue(&tenant(), None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(strict.verify(&plain), Err(AuthError::Malformed));

        let exp = Utc::now().timestamp() + 60;
        let wrong_aud = sign(
            json!({"tenantId": "t", "exp": exp, "iss": "dash", "aud": "other"}),
            SECRET,
        );
        assert_eq!(strict.verify(&wrong_aud), Err(AuthError::WrongAudience));
        let wrong_iss = sign(
            json!({"tenantId": "t", "exp": exp, "iss": "evil", "aud": ["mcp"]}),
            SECRET,
        );
        assert_eq!(strict.verify(&wrong_iss), Err(AuthError::WrongIssuer));
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", keys()).contains(SECRET));
    }
}
