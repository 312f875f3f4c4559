//! Request bodies checked for shape before anything turns them into
//! `serde_json::Value`s: a 1 MiB body of tiny items becomes tens of MiB of
//! values, so depth, the items of one array or object, and the values in
//! all are bounded first, by walking the bytes without building anything.
//! A body that is not JSON is left to its route, which says so its own way.

use std::cell::Cell;

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::ApiError;

/// Nesting a request of ours never comes near (tool arguments are 3 deep).
pub const MAX_DEPTH: usize = 32;
/// Items in one array or members of one object (our largest list is 1000).
pub const MAX_ITEMS: usize = 2_000;
/// Values in the whole body.
pub const MAX_VALUES: usize = 20_000;

/// Why a body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooBig {
    Depth,
    Items,
    Values,
}

impl TooBig {
    fn sentence(self) -> String {
        match self {
            TooBig::Depth => format!("The JSON body is nested more than {MAX_DEPTH} levels deep."),
            TooBig::Items => {
                format!("The JSON body has an array or object of more than {MAX_ITEMS} items.")
            }
            TooBig::Values => format!("The JSON body holds more than {MAX_VALUES} values."),
        }
    }
}

/// Checks `bytes`: `Err` only for JSON past a bound, never for other text.
pub fn check(bytes: &[u8]) -> Result<(), TooBig> {
    let found = Cell::new(None);
    let values = Cell::new(0);
    let walker = Walker {
        depth: 0,
        values: &values,
        found: &found,
    };
    let mut json = serde_json::Deserializer::from_slice(bytes);
    // A syntax error is the route's to report; only a bound is ours.
    let _ = walker.deserialize(&mut json);
    found.get().map_or(Ok(()), Err)
}

/// The layer: reads the body (within `limit`), checks it, passes it on.
pub async fn guard(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let has_body = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    );
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    if !has_body || form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request body is larger than {limit} bytes (MAX_BODY_BYTES)."),
            )
            .into_response();
        }
    };
    if let Err(too_big) = check(&bytes) {
        return ApiError::new(StatusCode::BAD_REQUEST, too_big.sentence()).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

struct Walker<'a> {
    depth: usize,
    values: &'a Cell<usize>,
    found: &'a Cell<Option<TooBig>>,
}

impl Walker<'_> {
    /// Counts one value; past a bound, notes which and stops the walk.
    fn count<E: de::Error>(&self) -> Result<(), E> {
        self.values.set(self.values.get() + 1);
        if self.values.get() > MAX_VALUES {
            return self.stop(TooBig::Values);
        }
        Ok(())
    }

    fn stop<E: de::Error>(&self, why: TooBig) -> Result<(), E> {
        self.found.set(Some(why));
        Err(E::custom("past a bound"))
    }

    fn child<E: de::Error>(&self) -> Result<Walker<'_>, E> {
        if self.depth >= MAX_DEPTH {
            self.stop(TooBig::Depth)?;
        }
        Ok(Walker {
            depth: self.depth + 1,
            values: self.values,
            found: self.found,
        })
    }

    fn item<E: de::Error>(&self, items: &mut usize) -> Result<(), E> {
        *items += 1;
        if *items > MAX_ITEMS {
            return self.stop(TooBig::Items);
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Walker<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.count()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.count()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.count()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.count()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.count()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.count()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.count()?;
        let mut items = 0;
        while seq.next_element_seed(self.child()?)?.is_some() {
            self.item(&mut items)?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.count()?;
        let mut items = 0;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(self.child()?)?;
            self.item(&mut items)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_requests_pass_and_the_bounds_hold() {
        let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"update_availability","arguments":{"values":[{"date":"2026-12-20","room_id":1,"avail":3}]}}}"#;
        assert_eq!(check(call), Ok(()));
        let thousand = format!("{{\"values\":[{}]}}", vec!["{\"a\":1}"; 1000].join(","));
        assert_eq!(check(thousand.as_bytes()), Ok(()));

        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(check(deep.as_bytes()), Err(TooBig::Depth));
        let long = format!("[{}]", vec!["0"; MAX_ITEMS + 1].join(","));
        assert_eq!(check(long.as_bytes()), Err(TooBig::Items));
        let wide = format!(
            "{{{}}}",
            (0..=MAX_ITEMS)
                .map(|i| format!("\"k{i}\":0"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(check(wide.as_bytes()), Err(TooBig::Items));
        let many = format!("[{}]", vec!["[0,0,0,0,0,0,0,0,0,0]"; 2_000].join(","));
        assert_eq!(check(many.as_bytes()), Err(TooBig::Values));
    }

    #[test]
    fn what_is_not_json_is_left_to_the_route() {
        for text in [&b"not json"[..], b"{\"a\":", b"", b"[1,2]] trailing"] {
            assert_eq!(check(text), Ok(()));
        }
    }
}
