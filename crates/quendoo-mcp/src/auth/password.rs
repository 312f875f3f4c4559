//! Hotel users' passwords for the OAuth sign-in: argon2id (the crate's
//! defaults, OWASP's minimum: 19 MiB, 2 passes), stored as PHC strings.
//! Hashing and checking take tens of milliseconds: call them off the async
//! threads (`spawn_blocking`).

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// Shorter passwords are refused when set.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer ones too: hashing a huge input is work an attacker chooses.
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password may have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("the password could not be hashed")]
    Hashing,
}

/// The PHC string to store for `password`.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// Whether `password` matches `stored`. With no stored hash (an unknown
/// e-mail, or no password set) the same work is done against a dummy hash,
/// so that the answer takes as long either way.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("a dummy password for equal timing").unwrap_or_default());
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    let (hash, real) = match stored {
        Some(stored) => (stored, true),
        None => (DUMMY.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_bounds_hold() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(&stored), "correct horse battery"));
        assert!(!verify(Some(&stored), "wrong horse battery"));
        assert!(!verify(None, "correct horse battery"));
        assert_eq!(hash("short"), Err(PasswordError::TooShort));
        assert_eq!(hash(&"x".repeat(300)), Err(PasswordError::TooLong));
    }
}
