use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// The names under which a tenant's secrets are stored (the seed's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum KeyName {
    QuendooApiKey,
    EmailApiKey,
    QuendooAutomationBearer,
}

impl KeyName {
    pub const ALL: [KeyName; 3] = [
        KeyName::QuendooApiKey,
        KeyName::EmailApiKey,
        KeyName::QuendooAutomationBearer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyName::QuendooApiKey => "QUENDOO_API_KEY",
            KeyName::EmailApiKey => "EMAIL_API_KEY",
            KeyName::QuendooAutomationBearer => "QUENDOO_AUTOMATION_BEARER",
        }
    }
}

impl FromStr for KeyName {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyName::ALL
            .into_iter()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = KeyName::ALL.iter().map(|n| n.as_str()).collect();
                DomainError(format!(
                    "unknown key name; known names are {}",
                    known.join(", ")
                ))
            })
    }
}

impl TryFrom<String> for KeyName {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<KeyName> for String {
    fn from(name: KeyName) -> String {
        name.as_str().to_owned()
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_name() {
        for name in KeyName::ALL {
            assert_eq!(name.to_string().parse::<KeyName>().unwrap(), name);
            let json = serde_json::to_string(&name).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<KeyName>(&json).unwrap(), name);
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = "quendoo_api_key"
            .parse::<KeyName>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("QUENDOO_API_KEY"), "{err}");
        assert!(err.contains("EMAIL_API_KEY"), "{err}");
        assert!(err.contains("QUENDOO_AUTOMATION_BEARER"), "{err}");
    }
}
