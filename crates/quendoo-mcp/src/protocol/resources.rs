//! Resources a model or a person can attach: the hotel's property data as
//! JSON (`quendoo://property/...`), and availability over a date range from
//! a template. Each is read through the executor as the matching read-only
//! tool, for the caller's hotel, and reused for a minute.

use chrono::NaiveDate;
use rmcp::model::{
    CacheScope, ErrorData, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate,
};
use serde_json::{Value, json};

use super::{LIST_TTL, PROPERTY_TTL, Protocol, millis, tools::Callable};
use crate::{auth::Scope, executor::Caller, tools::ToolError};

const JSON: &str = "application/json";
pub(super) const AVAILABILITY_TEMPLATE: &str = "quendoo://availability/{date_from}/{date_to}";
const AVAILABILITY_PREFIX: &str = "quendoo://availability/";
const AVAILABILITY_TOOL: &str = "get_availability";

/// A resource with a fixed URI, and the tool call that reads it.
struct Fixed {
    uri: &'static str,
    name: &'static str,
    title: &'static str,
    description: &'static str,
    tool: &'static str,
    names: Option<&'static str>,
}

const FIXED: [Fixed; 3] = [
    Fixed {
        uri: "quendoo://property/settings",
        name: "property-settings",
        title: "Property settings",
        description: "The hotel's configuration in Quendoo: the property, room types, rates, \
            meals, services, beds, booking modules, payment methods and sales channels.",
        tool: "get_property_settings",
        names: None,
    },
    Fixed {
        uri: "quendoo://property/rooms",
        name: "room-types",
        title: "Room types",
        description: "The hotel's room types in detail: size, beds, description and photos.",
        tool: "get_rooms_details",
        names: None,
    },
    Fixed {
        uri: "quendoo://property/booking-modules",
        name: "booking-modules",
        title: "Booking modules",
        description: "The hotel's booking modules (the channels its prices apply to), with \
            their codes and which are active.",
        tool: "get_property_settings",
        names: Some("booking_modules"),
    },
];

impl Protocol {
    /// The resources `caller` may read: those whose tool the caller may
    /// call (as `tools/list` shows it).
    pub async fn list_resources(&self, caller: &Caller) -> Result<ListResourcesResult, ErrorData> {
        let callable = self.callable(caller).await?;
        let resources = FIXED
            .iter()
            .filter(|fixed| self.readable(&callable, fixed.tool))
            .map(|fixed| {
                Resource::new(fixed.uri, fixed.name)
                    .with_title(fixed.title)
                    .with_description(fixed.description)
                    .with_mime_type(JSON)
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(callable.cache_scope()))
    }

    pub async fn list_resource_templates(
        &self,
        caller: &Caller,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let callable = self.callable(caller).await?;
        let availability = ResourceTemplate::new(AVAILABILITY_TEMPLATE, "availability")
            .with_title("Availability over a date range")
            .with_description(
                "Rooms still free per room type and night in Quendoo's own inventory, from \
                 date_from to date_to (YYYY-MM-DD, at most a year).",
            )
            .with_mime_type(JSON);
        let templates = if self.readable(&callable, AVAILABILITY_TOOL) {
            vec![availability]
        } else {
            Vec::new()
        };
        Ok(ListResourceTemplatesResult::with_all_items(templates)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(callable.cache_scope()))
    }

    fn readable(&self, callable: &Callable<'_>, tool: &str) -> bool {
        self.executor
            .catalogue()
            .get(tool)
            .is_some_and(|tool| callable.allows(tool))
    }

    /// Reads `uri` for the caller's hotel.
    pub async fn read_resource(
        &self,
        caller: &Caller,
        uri: &str,
    ) -> Result<ReadResourceResult, ErrorData> {
        if !caller.scopes.contains(Scope::Read) {
            return Err(ErrorData::invalid_request(
                "reading the hotel's resources needs the scope pms:read",
                None,
            ));
        }
        let (tool, arguments) = tool_for(uri)?;
        let result = self
            .read(caller, tool, arguments)
            .await
            .map_err(|error| read_error(uri, &error))?;
        let text = result.json().to_owned();
        Ok(
            ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type(JSON)])
                .with_ttl_ms(millis(PROPERTY_TTL))
                .with_cache_scope(CacheScope::Private),
        )
    }
}

/// The read-only tool call behind `uri`.
fn tool_for(uri: &str) -> Result<(&'static str, Value), ErrorData> {
    if let Some(fixed) = FIXED.iter().find(|fixed| fixed.uri == uri) {
        let arguments = match fixed.names {
            Some(names) => json!({ "names": names }),
            None => json!({}),
        };
        return Ok((fixed.tool, arguments));
    }
    let dates = uri
        .strip_prefix(AVAILABILITY_PREFIX)
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(from, to)| Some((date(from)?, date(to)?)));
    match dates {
        Some((from, to)) => Ok((
            AVAILABILITY_TOOL,
            json!({"date_from": from, "date_to": to, "sysres": "qdo"}),
        )),
        None if uri.starts_with(AVAILABILITY_PREFIX) => Err(ErrorData::invalid_params(
            format!("{AVAILABILITY_TEMPLATE}: give two dates as YYYY-MM-DD"),
            None,
        )),
        None => Err(ErrorData::resource_not_found(
            "no such resource: resources/list and resources/templates/list name the ones \
             this server has",
            Some(json!({ "uri": uri.chars().take(200).collect::<String>() })),
        )),
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A failed read: bad dates are the client's to fix; the rest (no key
/// stored, Quendoo down) is said in the executor's words.
fn read_error(uri: &str, error: &ToolError) -> ErrorData {
    match error {
        ToolError::InvalidArguments(problem) => {
            ErrorData::invalid_params(format!("{uri}: {problem}"), None)
        }
        ToolError::NotAllowed { .. } => ErrorData::invalid_request(format!("{uri}: {error}"), None),
        other => ErrorData::internal_error(other.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_map_to_tool_calls() {
        let (tool, arguments) = tool_for("quendoo://property/booking-modules").unwrap();
        assert_eq!(
            (tool, arguments),
            ("get_property_settings", json!({"names": "booking_modules"}))
        );
        let (tool, arguments) = tool_for("quendoo://availability/2026-12-20/2026-12-22").unwrap();
        assert_eq!(tool, "get_availability");
        assert_eq!(arguments["date_to"], "2026-12-22");
        let bad = tool_for("quendoo://availability/2026-12-20/soon").unwrap_err();
        assert_eq!(bad.code, rmcp::model::ErrorCode::INVALID_PARAMS);
        let unknown = tool_for("quendoo://property/secrets").unwrap_err();
        assert_eq!(unknown.code, rmcp::model::ErrorCode::RESOURCE_NOT_FOUND);
    }
}
