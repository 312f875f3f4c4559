//! Pages over a list the server sorted: an opaque cursor holds the offset of
//! the next page, so a model repeats the same call with `cursor` to go on.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use schemars::JsonSchema;
use serde::Serialize;

use super::ToolError;

/// The page size when a call gives no `limit`.
pub const DEFAULT_LIMIT: usize = 50;

// Where a page sits in the whole list; flattened into each paged result
// (so no doc comment: it would become the result's description).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageInfo {
    /// How many items match in all.
    pub total: usize,
    /// How many are in this page.
    pub returned: usize,
    /// Pass as `cursor`, with the same other arguments, for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Cuts the page `cursor` points at (the first page without one) out of
/// `items`, at most `limit` long.
pub fn page<T>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> Result<(PageInfo, Vec<T>), ToolError> {
    let offset = cursor.map(decode).transpose()?.unwrap_or(0);
    let total = items.len();
    let data: Vec<T> = items
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(DEFAULT_LIMIT))
        .collect();
    let end = offset + data.len();
    let info = PageInfo {
        total,
        returned: data.len(),
        next_cursor: (end < total).then(|| encode(end)),
    };
    Ok((info, data))
}

fn encode(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode(cursor: &str) -> Result<usize, ToolError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:")?.parse().ok())
        .ok_or_else(|| {
            ToolError::InvalidArguments(
                "cursor: not a cursor this server gave; search again without it".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn following_the_cursor_yields_every_item_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let (info, data) = page(items.clone(), cursor.as_deref(), Some(3)).unwrap();
            assert_eq!((info.total, info.returned), (7, data.len()));
            seen.extend(data);
            match info.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn a_forged_cursor_is_rejected_with_advice() {
        let error = page(vec![1], Some("not-a-cursor"), None).unwrap_err();
        assert!(error.to_string().contains("cursor"), "{error}");
    }
}
