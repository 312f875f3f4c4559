use std::{fmt, str::FromStr};

use super::DomainError;

const MAX_CHARS: usize = 200;

/// A hotel's display name: 1 to 200 characters once trimmed, none of them a
/// control character (a NUL would be refused by PostgreSQL, and a newline
/// would forge lines wherever the name is printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TenantName {
    type Err = DomainError;

    fn from_str(value: &str) -> Result<Self, DomainError> {
        let name = value.trim();
        if name.is_empty() || name.chars().count() > MAX_CHARS {
            return Err(DomainError(format!(
                "a tenant name has 1 to {MAX_CHARS} characters"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(DomainError(
                "a tenant name may not contain control characters".into(),
            ));
        }
        Ok(TenantName(name.to_owned()))
    }
}

impl fmt::Display for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_printable() {
        assert_eq!(
            "  Hotel Sofia ".parse::<TenantName>().unwrap().as_str(),
            "Hotel Sofia"
        );
        for bad in ["", "   ", "a\0b", "line\nbreak"] {
            assert!(bad.parse::<TenantName>().is_err(), "{bad:?}");
        }
        assert!("x".repeat(201).parse::<TenantName>().is_err());
        assert!("x".repeat(200).parse::<TenantName>().is_ok());
    }
}
