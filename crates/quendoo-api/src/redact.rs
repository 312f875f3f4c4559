//! The one place where upstream text is cleaned of credentials before it is
//! kept in an error: the upstream may echo the request URL (with its
//! `api_key=` query) or the credential itself.

use std::borrow::Cow;

const MARK: &str = "REDACTED";

/// Longest upstream message kept, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// `text` with every occurrence of `secret` (plain or percent-encoded) and
/// every `api_key` parameter value replaced, cut to a readable length.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    let mut out = redact_secret(text, secret);
    out = redact_api_key_params(&out);
    truncate(out.trim(), MAX_MESSAGE_CHARS)
}

fn redact_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let mut out = text.replace(secret, MARK);
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    if encoded != secret {
        out = out.replace(&encoded, MARK);
    }
    out
}

/// Replaces the value after `api_key=`, `api_key":"` or `api_key: ` (any case).
fn redact_api_key_params(text: &str) -> String {
    const NAME: &str = "api_key";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(NAME) {
        let name_end = search + found + NAME.len();
        let value_start = skip_separator(text, name_end);
        search = name_end;
        let Some(value_start) = value_start else {
            continue;
        };
        let value_end = text[value_start..]
            .find(is_value_end)
            .map_or(text.len(), |n| value_start + n);
        if value_end > value_start {
            out.push_str(&text[copied..value_start]);
            out.push_str(MARK);
            copied = value_end;
            search = value_end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where a value starts after a parameter name, if a separator follows it.
fn skip_separator(text: &str, from: usize) -> Option<usize> {
    let rest = &text[from..];
    let trimmed = rest.trim_start_matches(['"', '\'', ' ']);
    let after_sep = trimmed
        .strip_prefix('=')
        .or_else(|| trimmed.strip_prefix("%3D"))
        .or_else(|| trimmed.strip_prefix("%3d"))
        .or_else(|| trimmed.strip_prefix(':'))?;
    let value = after_sep.trim_start_matches(['"', '\'', ' ']);
    Some(text.len() - value.len())
}

fn is_value_end(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '&' | '"' | '\'' | '#' | ',' | ';' | ')' | '<' | '>' | '}'
        )
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The upstream's explanation in an error body: the `message` or `error`
/// field of a JSON object, else the text itself.
pub(crate) fn upstream_message(body: &[u8]) -> Cow<'_, str> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
        for field in ["message", "error", "detail", "details"] {
            if let Some(serde_json::Value::String(text)) = map.get(field) {
                return Cow::Owned(text.clone());
            }
        }
    }
    String::from_utf8_lossy(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_the_secret_and_api_key_parameters() {
        let text = "bad date for /x?api_key=abc123&date_from=q, key 'abc123' unknown";
        let out = redact(text, "abc123");
        assert!(!out.contains("abc123"), "{out}");
        assert!(out.contains("api_key=REDACTED&date_from=q"), "{out}");
    }

    #[test]
    fn removes_other_keys_in_urls_and_json() {
        let out = redact(r#"{"api_key": "zzz9", "u": "/p?API_KEY=yyy8#f"}"#, "s");
        assert!(!out.contains("zzz9") && !out.contains("yyy8"), "{out}");
    }

    #[test]
    fn removes_the_percent_encoded_secret() {
        let out = redact("got a+b%2Fc", "a b/c");
        assert_eq!(out, "got REDACTED");
    }

    #[test]
    fn leaves_a_bare_name_alone_and_truncates() {
        assert_eq!(redact("api_key missing", "qq"), "api_key missing");
        let long = "é".repeat(400);
        assert_eq!(redact(&long, "qq").chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
