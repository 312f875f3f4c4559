//! `GET /admin/audit`: a hotel reads its own audit trail (with its own
//! token), newest first, filtered and paged. What each entry holds is what
//! the executor records: never the arguments, only their digest.

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    http::StatusCode,
    routing::get,
};
use serde_json::{Value, json};

use super::{caller::SeedCaller, error::ApiError, rest::query_param};
use crate::{config::parse_moment, http::AppState, storage::AuditQuery};

/// Entries per page unless `limit` says otherwise, and at most.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 500;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(list))
}

/// `?since=&until=` (RFC 3339, a date, or a duration before now such as
/// `24h`), `&tool=&outcome=`, `&limit=` (1-500) and `&cursor=` (the
/// `next_cursor` of the page before).
async fn list(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut filter = parse_filter(query.as_deref())?;
    filter.tenant = Some(caller.tenant);
    let page = state.store.audit(&filter).await?;
    Ok(Json(json!({
        "entries": page.entries,
        "next_cursor": page.next_cursor.map(|id| id.to_string()),
    })))
}

fn parse_filter(query: Option<&str>) -> Result<AuditQuery, ApiError> {
    let bad = |name: &str, why: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Query parameter {name}: {why}"),
        )
    };
    let moment = |name: &str| {
        query_param(query, name)
            .map(|text| parse_moment(&text).map_err(|why| bad(name, why)))
            .transpose()
    };
    let word = |name: &str| {
        query_param(query, name)
            .map(|text| {
                let plain = !text.is_empty()
                    && text.len() <= 64
                    && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                plain
                    .then_some(text)
                    .ok_or_else(|| bad(name, "expected a name such as get_bookings or ok".into()))
            })
            .transpose()
    };
    let limit = match query_param(query, "limit") {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| bad("limit", format!("expected a number from 1 to {MAX_PAGE}")))?,
    };
    let before = query_param(query, "cursor")
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| bad("cursor", "pass the next_cursor of the page before".into()))
        })
        .transpose()?;
    Ok(AuditQuery {
        tenant: None,
        since: moment("since")?,
        until: moment("until")?,
        tool: word("tool")?,
        outcome: word("outcome")?,
        before,
        limit,
    })
}
