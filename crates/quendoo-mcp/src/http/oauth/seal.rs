//! State carried through the sign-in and consent forms instead of a server
//! session: JSON, MACed (HMAC-SHA256 under a key derived from JWT_SECRET)
//! and given an expiry, so that any replica can take the next step and no
//! field can be changed on the way. It is not secret: it holds no
//! credential.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use sha2::Sha256;

type Tag = Hmac<Sha256>;

/// `value` sealed for `ttl_secs` seconds.
pub fn seal<T: Serialize>(key: &[u8; 32], value: &T, ttl_secs: i64) -> String {
    let body = serde_json::json!({
        "exp": Utc::now().timestamp() + ttl_secs,
        "v": value,
    });
    let payload = URL_SAFE_NO_PAD.encode(body.to_string());
    let mut tag = Tag::new_from_slice(key).expect("HMAC takes any key length");
    tag.update(payload.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(tag.finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// The value, if the seal is ours, intact and not expired.
pub fn open<T: DeserializeOwned>(key: &[u8; 32], sealed: &str) -> Option<T> {
    let (payload, tag) = sealed.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let mut mac = Tag::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    mac.verify_slice(&tag).ok()?;
    let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    if body["exp"].as_i64()? < Utc::now().timestamp() {
        return None;
    }
    serde_json::from_value(body["v"].clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_intact_and_in_time() {
        let key = [7u8; 32];
        let sealed = seal(&key, &"hello", 60);
        assert_eq!(open::<String>(&key, &sealed).as_deref(), Some("hello"));
        assert_eq!(open::<String>(&[8u8; 32], &sealed), None);
        let (payload, tag) = sealed.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"exp":99999999999,"v":"evil"}"#);
        assert_eq!(open::<String>(&key, &format!("{forged}.{tag}")), None);
        assert_eq!(open::<String>(&key, payload), None);
        assert_eq!(open::<String>(&key, &seal(&key, &"old", -1)), None);
    }
}
