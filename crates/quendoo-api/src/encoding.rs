//! How arguments become query strings and request bodies upstream. The
//! contract marks some of these shapes as uncertain: each lives here, once.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use crate::types::{AvailabilityValue, GuestRoom};

/// Query parameters of one PMS request, in the order they are sent.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// A query with the property's key, which every PMS request carries.
    pub(crate) fn with_key(key: &SecretString) -> Self {
        Self {
            pairs: vec![("api_key".to_owned(), key.expose_secret().to_owned())],
        }
    }

    pub(crate) fn push(&mut self, name: &str, value: impl ToString) -> &mut Self {
        self.pairs.push((name.to_owned(), value.to_string()));
        self
    }

    pub(crate) fn push_opt(&mut self, name: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(value) = value {
            self.push(name, value);
        }
        self
    }

    /// The language, sent as `api_lng`.
    pub(crate) fn lang(&mut self, lang: Option<&str>) -> &mut Self {
        self.push_opt("api_lng", lang)
    }

    /// Guests in PHP bracket notation: `guests[0][adults]=2`,
    /// `guests[0][children_by_ages][0]=5`, ... (percent-encoded on the wire).
    pub(crate) fn guests(&mut self, guests: &[GuestRoom]) -> &mut Self {
        for (room, guest) in guests.iter().enumerate() {
            self.push(&format!("guests[{room}][adults]"), guest.adults);
            for (child, age) in guest.children_by_ages.iter().enumerate() {
                self.push(&format!("guests[{room}][children_by_ages][{child}]"), age);
            }
        }
        self
    }

    /// `url` with these parameters as its query. The result holds the key:
    /// it is sent, never logged.
    pub(crate) fn apply(&self, mut url: Url) -> Url {
        url.query_pairs_mut()
            .clear()
            .extend_pairs(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        url
    }
}

/// The body of `updateAvailability`.
pub(crate) fn availability_body(values: &[AvailabilityValue]) -> Value {
    json!({ "values": values })
}

/// `base` with `segments` appended to its path.
pub(crate) fn endpoint(base: &Url, name: &str) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(name.split('/'));
    }
    url
}
