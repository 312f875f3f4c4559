//! Bearer tokens already verified, kept until they expire: a token's
//! encoding, signature (HMAC-SHA256) and claims are checked once, not on
//! every request, where they cost about 30k instructions, a sixth of a
//! `ping` (README, "Counted instructions"). Only what a token's own bytes
//! decide is kept; what can change (its tenant, its grant) is still read on
//! every request. A token that fails is never kept: it is checked in full
//! each time it comes.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use moka::future::Cache;

use super::{AccessClaims, HotelToken};

/// A token unused this long leaves the cache (it is checked again if it
/// comes back).
const IDLE: Duration = Duration::from_secs(600);

/// What a token was verified as.
#[derive(Debug, Clone)]
pub(super) enum Verified {
    Dashboard(HotelToken),
    /// Kept with the issuer and audience it was checked for: without
    /// `PUBLIC_URL` they come from the request's Host.
    Access(Arc<AccessClaims>),
}

#[derive(Clone)]
struct Kept {
    /// The token's `exp`: it is not served from here after it.
    expires_at: i64,
    verified: Verified,
}

#[derive(Clone)]
pub(super) struct VerifiedTokens {
    kept: Cache<Arc<str>, Kept>,
}

impl VerifiedTokens {
    /// At most `capacity` tokens (a few hundred bytes each).
    pub(super) fn new(capacity: u64) -> Self {
        Self {
            kept: Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(IDLE)
                .build(),
        }
    }

    /// What `token` was verified as, if it was and has not expired since.
    pub(super) async fn get(&self, token: &str) -> Option<Verified> {
        let kept = self.kept.get(token).await?;
        (Utc::now().timestamp() <= kept.expires_at).then_some(kept.verified)
    }

    /// Keeps what `token` was just verified as, until `expires_at` (its `exp`).
    pub(super) async fn keep(&self, token: &str, expires_at: i64, verified: Verified) {
        if Utc::now().timestamp() <= expires_at {
            let kept = Kept {
                expires_at,
                verified,
            };
            self.kept.insert(token.into(), kept).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard() -> Verified {
        Verified::Dashboard(HotelToken {
            tenant: "hotel-a".parse().unwrap(),
            user: None,
            issued_at: None,
        })
    }

    #[tokio::test]
    async fn a_token_is_served_until_its_expiry_and_not_after() {
        let tokens = VerifiedTokens::new(10);
        let now = Utc::now().timestamp();
        tokens.keep("live", now + 60, dashboard()).await;
        tokens.keep("ended", now - 1, dashboard()).await;
        assert!(matches!(
            tokens.get("live").await,
            Some(Verified::Dashboard(token)) if token.tenant.as_str() == "hotel-a"
        ));
        assert!(tokens.get("ended").await.is_none());
        assert!(tokens.get("never seen").await.is_none());
        // Kept while valid, then past its expiry: not served any more.
        let expired = Kept {
            expires_at: now - 1,
            verified: dashboard(),
        };
        tokens.kept.insert("live".into(), expired).await;
        assert!(tokens.get("live").await.is_none());
    }
}
