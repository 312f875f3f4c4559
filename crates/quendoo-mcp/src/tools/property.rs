//! The property: its settings, its room types, and its mapping to external
//! channels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, value::RawValue};

use super::{
    Hints, Preview, Spec, ToolDef,
    budget::{Cut, LeftOut, Payload},
    define_with, define_write, payload_json, schema,
};
use crate::{domain::KeyName, policy::Toolset};

/// A language code for names and descriptions, such as `en`, `bg`, `de`, `ru`.
pub type Language = String;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettingsArgs {
    /// Language code, e.g. `en`, `bg`.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// Sections, comma-separated, default all: property, rooms, rates, meals,
    /// services, beds, booking_modules, payment_methods, channels.
    #[schemars(regex(pattern = r"^[a-z_]+(,[a-z_]+)*$"))]
    names: Option<String>,
}

// The PMS payload, as Quendoo sends it.
#[derive(Serialize, JsonSchema)]
struct PmsData {
    /// Quendoo's answer, unchanged.
    #[schemars(schema_with = "schema::object_or_array")]
    data: Payload,
    /// Set when the result budget cut `data`: `omitted` items, `ask_next` says how to get them.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
}

impl PmsData {
    /// `data` checked, then cut to the budget; `ask_next` says how to
    /// ask for what was left out.
    fn fitted(
        context: &super::ToolContext,
        data: Box<RawValue>,
        ask_next: impl Fn(&LeftOut<'_>) -> String,
    ) -> Result<PmsData, super::ToolError> {
        let data = schema::checked_object_or_array(data)?;
        context.budget().fit_payload(data, |data, left| PmsData {
            data,
            cut: left.map(|left| Cut {
                omitted: left.count(),
                ask_next: ask_next(&left),
            }),
        })
    }
}

/// The ids of left-out room types (or sections' names), comma-separated.
fn left_out_names(left: &LeftOut<'_>) -> String {
    let names: Vec<String> = match left {
        LeftOut::Items(items) => items
            .iter()
            .filter_map(|item| match &item["id"] {
                Value::Number(id) => Some(id.to_string()),
                Value::String(id) => Some(id.chars().take(20).collect()),
                _ => None,
            })
            .collect(),
        LeftOut::Sections(sections) => sections.iter().map(|(name, _)| name.clone()).collect(),
    };
    names.join(",")
}

pub fn get_property_settings() -> ToolDef {
    define_with(
        Spec {
            name: "get_property_settings",
            title: "Property settings",
            description: "The hotel's setup: property (id, name, currency, timezone), room \
                types, rates, meals, services, beds, booking modules, payment methods, channels. \
                Gives the ids other tools take. Room details (size, beds, photos): \
                get_rooms_details.",
            hints: Hints::READ,
            toolset: Toolset::Property,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: SettingsArgs| async move {
            let data = context
                .client()
                .get_property_settings(
                    context.credential(),
                    args.api_lng.as_deref(),
                    args.names.as_deref(),
                )
                .await?;
            PmsData::fitted(&context, data, |left| {
                format!(
                    "Sections left out to fit the result budget: ask again with `names` = \
                     \"{}\" (fewer at a time if still too long).",
                    left_out_names(left)
                )
            })
        },
        payload_json,
    )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoomsArgs {
    /// Language code, e.g. `en`, `bg`.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// One room type; all when absent.
    #[schemars(range(min = 1))]
    room_id: Option<i64>,
}

pub fn get_rooms_details() -> ToolDef {
    define_with(
        Spec {
            name: "get_rooms_details",
            title: "Room types in detail",
            description: "Room types in detail: id, name, type, area (m²), regular and extra \
                beds, description, photo URLs. To describe rooms or match a party to a room \
                type; nothing on free rooms or prices.",
            hints: Hints::READ,
            toolset: Toolset::Property,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: RoomsArgs| async move {
            let data = context
                .client()
                .get_rooms_details(context.credential(), args.api_lng.as_deref(), args.room_id)
                .await?;
            PmsData::fitted(&context, data, |left| {
                format!(
                    "Room types left out to fit the result budget: ask for each with \
                     `room_id`, one of {}.",
                    left_out_names(left)
                )
            })
        },
        payload_json,
    )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExternalDataArgs {
    /// The mapping to send, passed to Quendoo as given, e.g.
    /// `{"sysres": "BOOKING", "external_property_id": "123456"}`.
    #[schemars(length(min = 1))]
    data: Map<String, Value>,
}

pub fn post_external_property_data() -> ToolDef {
    define_write(
        Spec {
            name: "post_external_property_data",
            title: "Map the property to an external channel",
            description: "Maps the property to an external channel (e.g. its Booking.com \
                id), replacing the channel's earlier mapping. Only with the exact ids the hotel \
                gave.",
            hints: Hints::write(true, true),
            toolset: Toolset::Property,
            credential: KeyName::QuendooApiKey,
        },
        |_context, args: ExternalDataArgs| async move {
            // Quendoo has no read of the current mapping: the preview is
            // what will be sent.
            let fields: Vec<String> = args
                .data
                .iter()
                .map(|(name, value)| format!("{name} = {}", short(value)))
                .collect();
            Ok(Preview {
                summary: format!(
                    "Send Quendoo this channel mapping, replacing any earlier one for that \
                     channel: {}",
                    fields.join(", ")
                ),
                changes: Value::Object(args.data),
            })
        },
        |context, args: ExternalDataArgs| async move {
            Ok(context
                .client()
                .post_external_property_data(context.credential(), &args.data)
                .await?)
        },
    )
}

/// A value as one short piece of a sentence.
fn short(value: &Value) -> String {
    const MAX: usize = 80;
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_payload_moved_in_makes_serdes_json() {
        super::super::assert_payload_json(
            json!({"rooms": [{"id": 1, "name": "Double"}]}),
            |data, cut| PmsData { data, cut },
            payload_json,
        );
    }
}
