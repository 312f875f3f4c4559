//! Cursors: where a paged or cut result goes on, opaque to the model. A
//! cursor names the tool it belongs to, so one tool's cursor is refused by
//! another.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::ToolError;

/// `position` (plain text) as the cursor of `kind`.
pub fn encode(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// The position in a cursor of `kind`, parsed by `parse`; anything else is
/// refused with advice.
pub fn decode<T>(
    kind: &str,
    cursor: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ToolError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| parse(text.strip_prefix(kind)?.strip_prefix(':')?))
        .ok_or_else(|| {
            ToolError::InvalidArguments(
                "cursor: not a cursor this tool gave; ask again without it".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_goes_back_to_its_position_for_its_own_kind_only() {
        let cursor = encode("bookings", "50");
        assert_eq!(
            decode("bookings", &cursor, |p| p.parse::<usize>().ok()).unwrap(),
            50
        );
        assert!(decode("availability", &cursor, |p| Some(p.to_owned())).is_err());
        assert!(decode("bookings", "not-a-cursor", |p| Some(p.to_owned())).is_err());
        let error = decode("bookings", &encode("bookings", "x"), |p| {
            p.parse::<usize>().ok()
        });
        assert!(error.unwrap_err().to_string().contains("cursor"));
    }
}
