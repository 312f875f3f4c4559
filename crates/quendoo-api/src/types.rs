//! Arguments of the PMS and communication endpoints.
//!
//! The MCP server reuses these types inside its tool input schemas, so every
//! field's doc comment is written for the AI model that fills it in.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which inventory to read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Sysres {
    /// Quendoo's own inventory.
    Qdo,
    /// Inventory of external channels (OTAs).
    Ext,
}

impl Sysres {
    /// The value sent upstream.
    pub fn as_str(self) -> &'static str {
        match self {
            Sysres::Qdo => "qdo",
            Sysres::Ext => "ext",
        }
    }
}

/// One room wanted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GuestRoom {
    #[schemars(range(min = 1, max = 10))]
    pub adults: u8,
    /// Each child's age in years.
    #[serde(default)]
    #[schemars(length(max = 10), inner(range(min = 0, max = 17)))]
    pub children_by_ages: Vec<u8>,
}

/// A priced-offers enquiry (`getBookingOffers`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OffersQuery {
    /// Code of the booking module whose prices apply (see the property's
    /// `booking_modules` settings).
    #[schemars(length(min = 1))]
    pub bm_code: String,
    /// Arrival date, `YYYY-MM-DD`.
    pub date_from: NaiveDate,
    /// Number of nights to stay (at least 1).
    #[schemars(range(min = 1, max = 365))]
    pub nights: u32,
    /// One entry per room wanted, each with its guests.
    #[schemars(length(min = 1))]
    pub guests: Vec<GuestRoom>,
    /// ISO 4217 currency of the prices, e.g. `EUR`, `BGN`, `USD`; the property's
    /// own currency when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub currency: Option<String>,
    /// Language of names and descriptions, e.g. `en`, `bg`, `de`, `ru`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    pub lang: Option<String>,
}

/// One change to the inventory of one room type on one night.
///
/// The upstream shape of this item is not documented precisely; its encoding
/// is this struct's serde form and nothing else, so a correction is local.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityValue {
    /// The night to change, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Quendoo id of the room type (from the property's rooms). Give this or
    /// `ext_room_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<i64>,
    /// The external channel's id of the room type, instead of `room_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub ext_room_id: Option<String>,
    /// Rooms of this type still available to sell that night.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avail: Option<u32>,
    /// Total rooms of this type in the inventory that night.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty: Option<u32>,
    /// 1 to open the room type for sale that night, 0 to close it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub is_opened: Option<u8>,
}

/// Acknowledges a booking revision so that it is not delivered again.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AckBooking {
    /// The `revision_id` of the booking revision being acknowledged.
    pub revision_id: i64,
    /// Optional per-item references in the hotel's own system (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 100))]
    pub booking_items: Option<Vec<AckItem>>,
}

/// One acknowledged booking item.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AckItem {
    /// The `booking_item_id` from the booking.
    pub booking_item_id: i64,
    /// The reservation's id in the hotel's own system, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub ext_reservation_id: Option<String>,
}

/// Assigns physical rooms to booking items.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoomAssignment {
    /// The assignments, 1 to 100.
    #[schemars(length(min = 1, max = 100))]
    pub items: Vec<RoomAssignmentItem>,
}

/// One booking item placed in one physical room.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoomAssignmentItem {
    /// The `booking_item_id` from the booking.
    pub booking_item_id: i64,
    /// The physical room's number as the hotel labels it, e.g. `204`.
    #[schemars(length(min = 1, max = 32))]
    pub room_number: String,
    /// Code the guest uses to check in on their own, if the hotel offers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 32))]
    pub self_checkin_code: Option<String>,
}

/// An e-mail sent through Quendoo's e-mail service. It reaches a real person.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// The recipient's e-mail address.
    #[schemars(email, length(max = 254))]
    pub to: String,
    /// The subject line.
    #[schemars(length(min = 1, max = 200))]
    pub subject: String,
    /// The message body: plain text, or HTML when `html` is true (at most
    /// 100,000 characters).
    #[schemars(length(min = 1, max = 100_000))]
    pub message: String,
    /// True when `message` is HTML.
    #[serde(default)]
    pub html: bool,
}

/// A voice call placed by Quendoo's automation service: a text-to-speech
/// message read to a real person over the phone.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VoiceCall {
    /// The phone number to call, international format preferred, e.g. `+359 88 123 4567`.
    #[schemars(regex(pattern = r"^\+?[0-9 ()-]{6,20}$"))]
    pub phone: String,
    /// The text to read out.
    #[schemars(length(min = 1, max = 1000))]
    pub message: String,
    /// Text-to-speech language code, e.g. `bg-BG`, `en-US`.
    #[schemars(regex(pattern = r"^[a-z]{2}-[A-Z]{2}$"))]
    pub language: String,
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn property(schema: schemars::Schema, name: &str) -> Value {
        schema.as_value()["properties"][name].clone()
    }

    #[test]
    fn schemas_carry_the_constraints_models_need() {
        let adults = property(schemars::schema_for!(GuestRoom), "adults");
        assert_eq!(
            (adults["minimum"].clone(), adults["maximum"].clone()),
            (json!(1), json!(10))
        );
        let ages = property(schemars::schema_for!(GuestRoom), "children_by_ages");
        assert_eq!(ages["items"]["maximum"], 17);
        assert_eq!(
            property(schemars::schema_for!(Email), "to")["format"],
            "email"
        );
        assert_eq!(
            property(schemars::schema_for!(AvailabilityValue), "date")["format"],
            "date"
        );
        assert!(property(schemars::schema_for!(VoiceCall), "phone")["pattern"].is_string());
        let schema = schemars::schema_for!(RoomAssignment);
        assert_eq!(schema.as_value()["additionalProperties"], false);
    }

    #[test]
    fn availability_values_skip_what_is_unset() {
        let value = AvailabilityValue {
            date: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap_or_default(),
            room_id: Some(2666),
            ext_room_id: None,
            avail: Some(5),
            qty: None,
            is_opened: Some(1),
        };
        let encoded = serde_json::to_value(&value).unwrap_or_default();
        assert_eq!(
            encoded,
            json!({"date": "2026-01-15", "room_id": 2666, "avail": 5, "is_opened": 1})
        );
        assert_eq!(
            serde_json::to_value(Sysres::Ext).unwrap_or_default(),
            json!("ext")
        );
    }
}
