//! Pages over a list the server sorted: an opaque cursor holds the offset of
//! the next page, so a model repeats the same call with `cursor` to go on.
//! A page is at most `limit` long, and shorter when the result budget cuts
//! it: the cursor then goes on from the first item left out.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ResultBudget, ToolError, budget::Cut, cursor};

/// The page size when a call gives no `limit`.
pub const DEFAULT_LIMIT: usize = 50;

const CURSOR: &str = "offset";

// Where a page sits in the whole list; flattened into each paged result
// (so no doc comment: it would become the result's description).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageInfo {
    /// Matches in all.
    pub total: usize,
    pub returned: usize,
    /// `cursor` for the next page (same arguments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Set when the result budget cut the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}

/// The page `cursor` points at (the first page without one) of `items`,
/// as `build` makes a result of it, within `budget`.
pub fn page<T: Serialize, R: Serialize>(
    items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<usize>,
    budget: ResultBudget,
    build: impl Fn(PageInfo, &[T]) -> R,
) -> Result<R, ToolError> {
    let offset = match cursor {
        Some(text) => cursor::decode(CURSOR, text, |position| position.parse().ok())?,
        None => 0,
    };
    let total = items.len();
    let wanted: Vec<T> = items
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(DEFAULT_LIMIT))
        .collect();
    budget.fit(&wanted, |kept| {
        let end = offset + kept;
        let info = PageInfo {
            total,
            returned: kept,
            next_cursor: (end < total).then(|| cursor::encode(CURSOR, &end.to_string())),
            cut: (kept < wanted.len()).then(|| Cut {
                omitted: wanted.len() - kept,
                ask_next: "The rest of this page did not fit the result budget: call again \
                    with the same arguments and `cursor` = `next_cursor`."
                    .into(),
            }),
        };
        build(info, &wanted[..kept])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn follow(items: &[String], limit: usize, budget: ResultBudget) -> Vec<String> {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let (info, data) = page(
                items.to_vec(),
                cursor.as_deref(),
                Some(limit),
                budget,
                |info, data| (info, data.to_vec()),
            )
            .unwrap();
            assert!(super::super::json_size(&(&info, &data)) <= budget.bytes());
            assert_eq!((info.total, info.returned), (items.len(), data.len()));
            seen.extend(data);
            match info.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        seen
    }

    #[test]
    fn following_the_cursor_yields_every_item_once_even_when_cut() {
        let short: Vec<String> = (0..7).map(|n| n.to_string()).collect();
        assert_eq!(follow(&short, 3, ResultBudget::DEFAULT), short);
        let long: Vec<String> = (0..40).map(|n| format!("{n}{}", "x".repeat(300))).collect();
        let small: ResultBudget = "500".parse().unwrap();
        assert_eq!(follow(&long, 200, small), long);
    }

    #[test]
    fn a_forged_cursor_is_rejected_with_advice() {
        let error = page(
            vec![1],
            Some("not-a-cursor"),
            None,
            ResultBudget::DEFAULT,
            |_, d| d.to_vec(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("cursor"), "{error}");
    }
}
