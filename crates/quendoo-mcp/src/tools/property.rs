//! The property: its settings, its room types, and its mapping to external
//! channels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Hints, Preview, Spec, ToolDef, define, define_write, schema};
use crate::{domain::KeyName, policy::Toolset};

/// A language code for names and descriptions, such as `en`, `bg`, `de`, `ru`.
pub type Language = String;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SettingsArgs {
    /// Language of names and descriptions: a two-letter code such as `en`,
    /// `bg`, `de`, `ru`. Default: the property's own language.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// Comma-separated sections to return, e.g. `rooms,rates` or
    /// `booking_modules`. Sections: property, rooms, rates, meals, services,
    /// beds, booking_modules, payment_methods, channels. All when absent.
    #[schemars(regex(pattern = r"^[a-z_]+(,[a-z_]+)*$"))]
    names: Option<String>,
}

/// The PMS payload, as Quendoo sends it.
#[derive(Serialize, JsonSchema)]
struct PmsData {
    /// What Quendoo returned, unchanged.
    #[schemars(schema_with = "schema::object_or_array")]
    data: Value,
}

pub fn get_property_settings() -> ToolDef {
    define(
        Spec {
            name: "get_property_settings",
            title: "Property settings",
            description: "The hotel's configuration in Quendoo: the property (id, name, currency, \
                timezone), its room types, rates, meals, services, beds, booking modules, payment \
                methods and sales channels. Use it to learn the ids and names that other tools \
                take (room_id, rate ids, booking-module codes) or to answer questions about how \
                the hotel is set up. Pass `names` to fetch only some sections; it is cheap and \
                rarely changes. For the details of room types (size, beds, photos) use \
                get_rooms_details instead.",
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
            Ok(PmsData {
                data: schema::checked_object_or_array(data)?,
            })
        },
    )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RoomsArgs {
    /// Language of names and descriptions: a two-letter code such as `en`,
    /// `bg`, `de`, `ru`.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// One room type's id (from get_property_settings); all room types when absent.
    #[schemars(range(min = 1))]
    room_id: Option<i64>,
}

pub fn get_rooms_details() -> ToolDef {
    define(
        Spec {
            name: "get_rooms_details",
            title: "Room types in detail",
            description: "Static details of the hotel's room types: id, name, type, area in \
                square metres, regular and extra beds, description and photo URLs. Use it to \
                describe rooms to a guest or to find which room type fits a party. It says \
                nothing about free rooms or prices: use get_availability for what is free and \
                get_booking_offers for priced offers.",
            hints: Hints::READ,
            toolset: Toolset::Property,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: RoomsArgs| async move {
            let data = context
                .client()
                .get_rooms_details(context.credential(), args.api_lng.as_deref(), args.room_id)
                .await?;
            Ok(PmsData {
                data: schema::checked_object_or_array(data)?,
            })
        },
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
            description: "Sends Quendoo the property's identity on an external channel (for \
                example its Booking.com property id), replacing any earlier mapping for that \
                channel. A write: only use it when the hotel asks to connect or correct a \
                channel mapping, with the exact ids they gave.",
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
