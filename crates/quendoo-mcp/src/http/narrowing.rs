//! A connection's narrowing, from the headers of the request that calls a
//! tool, on every transport: `X-MCP-Toolsets: bookings,offers` (only these
//! toolsets) and `X-MCP-Readonly: true` (no write). They can only take away
//! from what the hotel's policy allows; the executor holds both together.

use axum::http::{HeaderMap, StatusCode};

use super::error::ApiError;
use crate::policy::{Narrowing, Toolsets};

pub const TOOLSETS_HEADER: &str = "x-mcp-toolsets";
pub const READONLY_HEADER: &str = "x-mcp-readonly";

/// The narrowing `headers` ask for; a value we cannot read is refused (400)
/// rather than taken as "no narrowing", which would widen what was meant.
pub fn from_headers(headers: &HeaderMap) -> Result<Narrowing, ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        headers
            .get(name)
            .map(|value| {
                value.to_str().map(str::to_owned).map_err(|_| {
                    ApiError::new(StatusCode::BAD_REQUEST, format!("{name}: not plain text"))
                })
            })
            .transpose()
    };
    let toolsets = match text(TOOLSETS_HEADER)? {
        Some(names) => names.parse::<Toolsets>().map_err(|error| {
            ApiError::new(StatusCode::BAD_REQUEST, format!("X-MCP-Toolsets: {error}"))
        })?,
        None => Toolsets::ALL,
    };
    let read_only = match text(READONLY_HEADER)?.map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(value) => match value.as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "X-MCP-Readonly: true or false",
                ));
            }
        },
    };
    Ok(Narrowing {
        toolsets,
        read_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Toolset;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
            .collect()
    }

    #[test]
    fn headers_narrow_and_bad_values_are_refused() {
        assert_eq!(from_headers(&HeaderMap::new()).unwrap(), Narrowing::NONE);
        let narrowed = from_headers(&headers(&[
            ("x-mcp-toolsets", "bookings, offers"),
            ("x-mcp-readonly", "TRUE"),
        ]))
        .unwrap();
        assert!(narrowed.read_only);
        assert!(narrowed.toolsets.contains(Toolset::Offers));
        assert!(!narrowed.toolsets.contains(Toolset::Comms));
        assert!(from_headers(&headers(&[("x-mcp-toolsets", "bookings,admin")])).is_err());
        assert!(from_headers(&headers(&[("x-mcp-readonly", "yes please")])).is_err());
    }
}
