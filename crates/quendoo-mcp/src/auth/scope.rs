//! OAuth scopes: what a signed-in client may do for its hotel. A dashboard
//! token carries all of them, as before OAuth existed.

use std::fmt;

/// One scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The tools that only read.
    Read,
    /// Availability, acknowledgements, room assignment, external mapping.
    Write,
    /// E-mails and phone calls to people.
    Comms,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Comms];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "pms:read",
            Scope::Write => "pms:write",
            Scope::Comms => "comms:send",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Scope::Read => 1,
            Scope::Write => 2,
            Scope::Comms => 4,
        }
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(7);
    pub const NONE: Scopes = Scopes(0);

    /// Space-separated scope names (RFC 6749 §3.3); an unknown one is named
    /// in the error.
    pub fn parse(text: &str) -> Result<Scopes, String> {
        text.split_ascii_whitespace()
            .try_fold(Scopes::NONE, |set, name| {
                Scope::ALL
                    .into_iter()
                    .find(|scope| scope.name() == name)
                    .map(|scope| set.with(scope))
                    .ok_or_else(|| {
                        let name: String = name.chars().take(40).collect();
                        format!("unknown scope `{name}`")
                    })
            })
    }

    pub fn with(self, scope: Scope) -> Scopes {
        Scopes(self.0 | scope.bit())
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// The scopes of both sets.
    pub fn intersection(self, other: Scopes) -> Scopes {
        Scopes(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.contains(*scope))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::name).collect();
        f.write_str(&names.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print() {
        let set = Scopes::parse("pms:read  comms:send").unwrap();
        assert!(set.contains(Scope::Read) && set.contains(Scope::Comms));
        assert!(!set.contains(Scope::Write));
        assert_eq!(set.to_string(), "pms:read comms:send");
        assert_eq!(Scopes::parse("").unwrap(), Scopes::NONE);
        assert!(
            Scopes::parse("pms:read admin")
                .unwrap_err()
                .contains("admin")
        );
        assert_eq!(Scopes::ALL.to_string(), "pms:read pms:write comms:send");
    }
}
