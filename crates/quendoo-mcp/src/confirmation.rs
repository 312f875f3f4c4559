//! Confirmation codes for writes: a code says "this hotel may run this tool
//! with exactly these arguments until this time". It is sealed (HMAC, with
//! the hotel, the tool and a digest of the arguments bound in as associated
//! data, so none of them is in the code and none can be swapped), so any
//! replica can check it without the database; only its use is recorded, so
//! it runs once (`Store::spend_confirmation`). The same code is the
//! `requestState` of an elicitation on MCP 2026-07-28.

use std::time::Duration;

use rmcp::model::{RequestStateCodec, SealOptions};

use crate::domain::TenantId;

/// What is sealed; the binding carries the rest.
const PAYLOAD: &[u8] = b"confirm";

pub struct Confirmations {
    codec: RequestStateCodec,
    ttl: Duration,
}

impl Confirmations {
    /// `key`: 32 bytes derived from JWT_SECRET for this use only, the same on
    /// every replica.
    pub fn new(key: [u8; 32], ttl: Duration) -> Self {
        Confirmations {
            codec: RequestStateCodec::try_new(key.to_vec()).expect("a 32-byte key is long enough"),
            ttl,
        }
    }

    /// How long a code stays good.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A code for `tool` with the arguments whose digest is `arguments`.
    pub fn issue(&self, tenant: &TenantId, tool: &str, arguments: &str) -> String {
        let binding = binding(tenant, tool, arguments);
        self.codec.seal_with(
            PAYLOAD,
            &SealOptions::new().associated_data(&binding).ttl(self.ttl),
        )
    }

    /// Whether `code` was issued for this hotel, tool and arguments, and
    /// has not expired. Every failure is the same `false`.
    pub fn holds(&self, code: &str, tenant: &TenantId, tool: &str, arguments: &str) -> bool {
        self.codec
            .open_with(code, &binding(tenant, tool, arguments))
            .is_ok_and(|payload| payload == PAYLOAD)
    }
}

/// Tenant ids and tool names hold no NUL, so the parts cannot run together.
fn binding(tenant: &TenantId, tool: &str, arguments: &str) -> Vec<u8> {
    [tenant.as_str(), tool, arguments].join("\0").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_holds_only_for_its_hotel_tool_arguments_and_time() {
        let confirmations = Confirmations::new([9; 32], Duration::from_secs(60));
        let hotel: TenantId = "hotel-a".parse().unwrap();
        let other: TenantId = "hotel-b".parse().unwrap();
        let code = confirmations.issue(&hotel, "make_call", "digest-1");
        assert!(confirmations.holds(&code, &hotel, "make_call", "digest-1"));
        assert!(!confirmations.holds(&code, &other, "make_call", "digest-1"));
        assert!(!confirmations.holds(&code, &hotel, "send_quendoo_email", "digest-1"));
        assert!(!confirmations.holds(&code, &hotel, "make_call", "digest-2"));
        assert!(!confirmations.holds("not a code", &hotel, "make_call", "digest-1"));
        let elsewhere = Confirmations::new([8; 32], Duration::from_secs(60));
        assert!(!elsewhere.holds(&code, &hotel, "make_call", "digest-1"));
        let expired = Confirmations::new([9; 32], Duration::ZERO);
        let code = expired.issue(&hotel, "make_call", "digest-1");
        std::thread::sleep(Duration::from_millis(5));
        assert!(!expired.holds(&code, &hotel, "make_call", "digest-1"));
    }
}
