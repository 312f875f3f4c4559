use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;

const MAX_ID_LEN: usize = 64;

/// Shared rule for tenant and user ids: short, URL- and log-safe.
fn parse_identifier(kind: &str, value: &str) -> Result<String, DomainError> {
    let valid_chars = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if value.is_empty() || value.len() > MAX_ID_LEN || !valid_chars {
        return Err(DomainError(format!(
            "{kind} must be 1-{MAX_ID_LEN} characters of A-Z, a-z, 0-9, '_' or '-'"
        )));
    }
    Ok(value.to_owned())
}

/// Defines a validated string identifier with `FromStr`, `Display` and serde
/// as a plain string (deserialising runs the same validation).
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A fresh random id (a UUID v4 string).
            pub fn generate() -> Self {
                Self(Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_identifier($kind, s).map(Self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A hotel (tenant): 1-64 characters of `[A-Za-z0-9_-]`.
    TenantId,
    "tenant id"
);
identifier!(
    /// A dashboard user: 1-64 characters of `[A-Za-z0-9_-]`.
    UserId,
    "user id"
);

/// A REST connection of the seed's `/mcp/connect` registry (a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionId(Uuid);

impl ConnectionId {
    pub fn generate() -> Self {
        Self(Uuid::new_v4())
    }
}

impl FromStr for ConnectionId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| DomainError("connection id must be a UUID".into()))
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ConnectionId> for String {
    fn from(id: ConnectionId) -> String {
        id.to_string()
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hyphenated lower case: the one textual form we store and compare.
        write!(f, "{}", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_accept_the_documented_alphabet() {
        for ok in ["a", "hotel-1", "Hotel_2", &"x".repeat(64)] {
            assert!(ok.parse::<TenantId>().is_ok(), "{ok}");
        }
        for bad in ["", "with space", "ünï", "a/b", "a.b", &"x".repeat(65)] {
            let err = bad.parse::<TenantId>().unwrap_err();
            assert!(err.to_string().contains("tenant id"), "{bad}");
        }
    }

    #[test]
    fn generated_ids_are_valid() {
        let id = TenantId::generate();
        assert_eq!(id.as_str().parse::<TenantId>().unwrap(), id);
        let c = ConnectionId::generate();
        assert_eq!(c.to_string().parse::<ConnectionId>().unwrap(), c);
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<TenantId>("\"ok\"").is_ok());
        assert!(serde_json::from_str::<TenantId>("\"not ok\"").is_err());
        assert!(serde_json::from_str::<ConnectionId>("\"nope\"").is_err());
    }
}
