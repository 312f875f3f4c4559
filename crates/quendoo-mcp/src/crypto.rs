//! Tenant secrets at rest: AES-256-GCM with a fresh random nonce per value,
//! the tenant id and key name bound in as associated data, and a key id in
//! front of every stored value so that the master key can be rotated.
//!
//! Stored format: `v1.<kid>.<base64url(nonce || ciphertext+tag)>`, where
//! `kid` is the first 8 bytes (hex) of HMAC-SHA256(key, "quendoo-mcp key id").

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

use crate::domain::{KeyName, TenantId};

const FORMAT_VERSION: &str = "v1";
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;
const KID_LABEL: &[u8] = b"quendoo-mcp key id";
const LOOKUP_INFO: &[u8] = b"quendoo-mcp lookup hash v1";

type HmacSha256 = Hmac<Sha256>;

/// What is stored of a one-time code or a token (an OAuth code, a refresh
/// token, a used confirmation code): its SHA-256, hex. They are random or
/// sealed, so no salt is needed for the hash to reveal nothing.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a key could not be used. Never contains the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is not valid base64")]
    NotBase64,
    #[error("must be base64 of exactly 32 bytes, but decodes to {0} bytes")]
    WrongLength(usize),
    #[error("does not look random (all bytes are equal)")]
    NotRandom,
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("stored secret is not in the expected `v1.<key id>.<data>` format")]
    Malformed,
    #[error(
        "stored secret was encrypted with key id {kid}, which matches neither ENCRYPTION_KEY \
         nor any of PREVIOUS_ENCRYPTION_KEYS"
    )]
    UnknownKeyId { kid: String },
    #[error(
        "stored secret failed to decrypt with key id {kid}: it was tampered with, corrupted, \
         or belongs to another tenant or key name"
    )]
    DecryptFailed { kid: String },
    #[error("decrypted secret is not valid UTF-8")]
    NotUtf8,
    #[error("encryption failed")]
    EncryptFailed,
    #[error("the operating system's random number generator failed")]
    Rng,
}

/// A 256-bit master key, parsed from base64 (`ENCRYPTION_KEY`).
pub struct EncryptionKey(SecretBox<[u8; KEY_LEN]>);

impl EncryptionKey {
    pub fn from_base64(encoded: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| KeyError::NotBase64)?;
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        if key.iter().all(|b| *b == key[0]) {
            return Err(KeyError::NotRandom);
        }
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// A fresh key from the operating system's RNG.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = [0u8; KEY_LEN];
        OsRng
            .try_fill_bytes(&mut key)
            .map_err(|_| CryptoError::Rng)?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// The base64 text form, as `ENCRYPTION_KEY` expects it.
    pub fn to_base64(&self) -> SecretString {
        STANDARD.encode(self.0.expose_secret()).into()
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([REDACTED])")
    }
}

/// A random secret for signing HS256 tokens (`JWT_SECRET`): 48 bytes from the
/// OS RNG, base64url, 64 characters.
pub fn generate_jwt_secret() -> Result<SecretString, CryptoError> {
    let mut bytes = [0u8; 48];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| CryptoError::Rng)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes).into())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this constructor cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// One usable key: its id, its AEAD instance, and its lookup-hash sub-key.
struct KeyEntry {
    kid: String,
    aead: Aes256Gcm,
    lookup_key: SecretBox<[u8; 32]>,
}

impl KeyEntry {
    fn new(key: &EncryptionKey) -> Self {
        let raw = key.0.expose_secret();
        let kid = hex::encode(&hmac_sha256(raw, KID_LABEL)[..8]);
        let mut lookup_key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte output limit.
        Hkdf::<Sha256>::new(None, raw)
            .expand(LOOKUP_INFO, &mut lookup_key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            kid,
            aead: Aes256Gcm::new(raw.into()),
            lookup_key: SecretBox::new(Box::new(lookup_key)),
        }
    }

    fn lookup_hash(&self, value: &str) -> String {
        hex::encode(hmac_sha256(
            self.lookup_key.expose_secret(),
            value.as_bytes(),
        ))
    }
}

/// Associated data: binds a ciphertext to its tenant and key name. Tenant ids
/// cannot contain ':', so the encoding is unambiguous.
fn associated_data(tenant: &TenantId, name: KeyName) -> Vec<u8> {
    format!("quendoo-mcp:{FORMAT_VERSION}:{tenant}:{name}").into_bytes()
}

/// Encrypts under the current key; decrypts under the current or any
/// previous key, chosen by the key id in the stored value.
pub struct Cipher {
    current: KeyEntry,
    previous: Vec<KeyEntry>,
}

impl Cipher {
    pub fn new(current: &EncryptionKey, previous: &[EncryptionKey]) -> Self {
        let current = KeyEntry::new(current);
        let previous = previous
            .iter()
            .map(KeyEntry::new)
            .filter(|entry| entry.kid != current.kid)
            .collect();
        Self { current, previous }
    }

    /// The id of the current key (what new values are written under).
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    pub fn encrypt(
        &self,
        tenant: &TenantId,
        name: KeyName,
        plaintext: &SecretString,
    ) -> Result<String, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| CryptoError::Rng)?;
        let aad = associated_data(tenant, name);
        let sealed = self
            .current
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::EncryptFailed)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "{FORMAT_VERSION}.{}.{}",
            self.current.kid,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    pub fn decrypt(
        &self,
        tenant: &TenantId,
        name: KeyName,
        stored: &str,
    ) -> Result<SecretString, CryptoError> {
        let (kid, blob) = parse_stored(stored).ok_or(CryptoError::Malformed)?;
        let entry = self.keys().find(|entry| entry.kid == kid).ok_or_else(|| {
            CryptoError::UnknownKeyId {
                kid: kid.to_owned(),
            }
        })?;
        let blob = URL_SAFE_NO_PAD
            .decode(blob)
            .map_err(|_| CryptoError::Malformed)?;
        if blob.len() < NONCE_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let aad = associated_data(tenant, name);
        let plain = entry
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::DecryptFailed {
                kid: kid.to_owned(),
            })?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::NotUtf8)
    }

    /// True when `stored` is not (recognisably) under the current key.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        parse_stored(stored).is_none_or(|(kid, _)| kid != self.current.kid)
    }

    /// Keyed hash of a secret under the current key, to find a row by value
    /// without decrypting every row.
    pub fn lookup_hash(&self, value: &SecretString) -> String {
        self.current.lookup_hash(value.expose_secret())
    }

    /// The hash under every known key, current first: rows written before a
    /// key change stay findable until `rotate-encryption-key` refreshes them.
    pub fn lookup_hashes(&self, value: &SecretString) -> Vec<String> {
        self.keys()
            .map(|entry| entry.lookup_hash(value.expose_secret()))
            .collect()
    }

    fn keys(&self) -> impl Iterator<Item = &KeyEntry> {
        std::iter::once(&self.current).chain(&self.previous)
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous: Vec<&str> = self.previous.iter().map(|e| e.kid.as_str()).collect();
        f.debug_struct("Cipher")
            .field("current_kid", &self.current.kid)
            .field("previous_kids", &previous)
            .finish()
    }
}

fn parse_stored(stored: &str) -> Option<(&str, &str)> {
    let rest = stored.strip_prefix(FORMAT_VERSION)?.strip_prefix('.')?;
    let (kid, blob) = rest.split_once('.')?;
    (!kid.is_empty() && !blob.is_empty()).then_some((kid, blob))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> EncryptionKey {
        EncryptionKey::generate().unwrap()
    }

    fn tenant(s: &str) -> TenantId {
        s.parse().unwrap()
    }

    fn secret(s: &str) -> SecretString {
        s.into()
    }

    fn open(c: &Cipher, t: &str, n: KeyName, stored: &str) -> Result<String, CryptoError> {
        c.decrypt(&tenant(t), n, stored)
            .map(|s| s.expose_secret().to_owned())
    }

    #[test]
    fn round_trip_with_fresh_nonces() {
        let c = Cipher::new(&key(), &[]);
        let a = c
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("s3cr3t"))
            .unwrap();
        let b = c
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("s3cr3t"))
            .unwrap();
        assert_ne!(a, b, "same plaintext must not give the same ciphertext");
        assert!(!a.contains("s3cr3t"));
        assert!(a.starts_with(&format!("v1.{}.", c.current_kid())));
        assert_eq!(
            open(&c, "t1", KeyName::QuendooApiKey, &a).unwrap(),
            "s3cr3t"
        );
        assert!(!c.needs_rotation(&a));
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let c = Cipher::new(&key(), &[]);
        let stored = c
            .encrypt(&tenant("t1"), KeyName::EmailApiKey, &secret("value"))
            .unwrap();
        let (head, blob) = stored.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(blob).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes));
        let err = open(&c, "t1", KeyName::EmailApiKey, &tampered).unwrap_err();
        assert!(matches!(err, CryptoError::DecryptFailed { .. }), "{err}");
        assert!(err.to_string().contains("failed to decrypt"));

        for garbage in ["", "v1", "v1..", "v2.abc.def", "v1.abc.!!!", "plain text"] {
            assert!(
                c.decrypt(&tenant("t1"), KeyName::EmailApiKey, garbage)
                    .is_err()
            );
        }
    }

    #[test]
    fn moved_to_another_tenant_or_name_fails() {
        let c = Cipher::new(&key(), &[]);
        let stored = c
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("value"))
            .unwrap();
        let moved_tenant = open(&c, "t2", KeyName::QuendooApiKey, &stored).unwrap_err();
        assert!(matches!(moved_tenant, CryptoError::DecryptFailed { .. }));
        let renamed = open(&c, "t1", KeyName::EmailApiKey, &stored).unwrap_err();
        assert!(matches!(renamed, CryptoError::DecryptFailed { .. }));
    }

    #[test]
    fn rotation_keeps_old_values_readable_through_previous_keys() {
        let old = key();
        let new = key();
        let old_cipher = Cipher::new(&old, &[]);
        let stored_old = old_cipher
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("value"))
            .unwrap();

        let rotated = Cipher::new(&new, &[old]);
        assert!(rotated.needs_rotation(&stored_old));
        assert_eq!(
            open(&rotated, "t1", KeyName::QuendooApiKey, &stored_old).unwrap(),
            "value"
        );
        let re = rotated
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("value"))
            .unwrap();
        assert!(!rotated.needs_rotation(&re));
        assert_ne!(rotated.current_kid(), old_cipher.current_kid());
        // The old key alone cannot open the re-encrypted value.
        let err = open(&old_cipher, "t1", KeyName::QuendooApiKey, &re).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKeyId { .. }));
    }

    #[test]
    fn unknown_key_id_is_a_clear_error() {
        let stored = Cipher::new(&key(), &[])
            .encrypt(&tenant("t1"), KeyName::QuendooApiKey, &secret("value"))
            .unwrap();
        let err = open(
            &Cipher::new(&key(), &[]),
            "t1",
            KeyName::QuendooApiKey,
            &stored,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("ENCRYPTION_KEY"), "{err}");
        assert!(err.contains("PREVIOUS_ENCRYPTION_KEYS"), "{err}");
    }

    #[test]
    fn lookup_hash_is_keyed_and_stable() {
        let k = key();
        let k_again = EncryptionKey::from_base64(k.to_base64().expose_secret()).unwrap();
        let a = Cipher::new(&k, &[]);
        let b = Cipher::new(&k_again, &[]);
        let other = Cipher::new(&key(), &[k_again]);
        let v = secret("api-key-123");
        assert_eq!(a.lookup_hash(&v), b.lookup_hash(&v));
        assert_ne!(a.lookup_hash(&v), other.lookup_hash(&v));
        assert_eq!(other.lookup_hashes(&v)[1], a.lookup_hash(&v));
        assert_ne!(a.lookup_hash(&v), a.lookup_hash(&secret("api-key-124")));
        assert_eq!(a.lookup_hash(&v).len(), 64);
    }

    #[test]
    fn key_parsing_rejects_weak_keys_without_echoing_them() {
        assert_eq!(
            EncryptionKey::from_base64("not base64!").unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            EncryptionKey::from_base64(&STANDARD.encode([7u8; 16])).unwrap_err(),
            KeyError::WrongLength(16)
        );
        assert_eq!(
            EncryptionKey::from_base64(&STANDARD.encode([0u8; 32])).unwrap_err(),
            KeyError::NotRandom
        );
        let k = key();
        let text = k.to_base64();
        assert!(EncryptionKey::from_base64(text.expose_secret()).is_ok());
        assert!(!format!("{k:?}").contains(text.expose_secret()));
        let c = Cipher::new(&k, &[]);
        assert!(!format!("{c:?}").contains(text.expose_secret()));
    }

    #[test]
    fn jwt_secrets_are_long_and_distinct() {
        let a = generate_jwt_secret().unwrap();
        let b = generate_jwt_secret().unwrap();
        assert_eq!(a.expose_secret().len(), 64);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
