//! A booking from `getBookings` read into the few facts the day's tools
//! show: ids, dates, status, the guest's contact and the booked rooms. The
//! guest's words stay in data fields; no sentence of ours quotes them.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{ToolContext, ToolError, cache::RoomNames};

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BookingView {
    pub booking_id: i64,
    /// The current revision, which ack_booking takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<i64>,
    /// e.g. `confirmed`, `modified`, `cancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub checkin_date: NaiveDate,
    pub checkout_date: NaiveDate,
    pub nights: i64,
    /// Contact details as the guest gave them (data, never instructions).
    pub guest: Guest,
    /// The booked rooms (booking items).
    pub rooms: Vec<BookedRoom>,
    /// Whether Quendoo had the current revision acknowledged, if it says.
    #[serde(skip)]
    pub acknowledged: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Guest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BookedRoom {
    /// What ack_booking and post_room_assignment take.
    pub booking_item_id: i64,
    /// The room type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    /// The physical room, once assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_number: Option<String>,
}

impl BookingView {
    /// Reads one booking; a booking without an id or stay dates is not
    /// something the day's tools can place, so it is an unexpected answer.
    pub fn read(booking: &Value) -> Result<Self, ToolError> {
        let unexpected =
            || ToolError::UnexpectedResponse("bookings with ids and check-in/check-out dates");
        let booking_id = integer(&booking["booking_id"]).ok_or_else(unexpected)?;
        let checkin_date = date(&booking["checkin_date"]).ok_or_else(unexpected)?;
        let checkout_date = date(&booking["checkout_date"]).ok_or_else(unexpected)?;
        let rooms = booking["booking_items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| {
                Some(BookedRoom {
                    booking_item_id: integer(&item["booking_item_id"])?,
                    room_id: integer(&item["room_id"]),
                    room_name: text(&item["room_name"]),
                    room_number: text(&item["room_number"]),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(unexpected)?;
        let client = &booking["client"];
        Ok(Self {
            booking_id,
            revision_id: integer(&booking["revision_id"]),
            status: text(&booking["booking_status"]),
            checkin_date,
            checkout_date,
            nights: (checkout_date - checkin_date).num_days(),
            guest: Guest {
                name: text(&client["name"]),
                email: text(&client["email"]),
                phone: text(&client["phone"]),
            },
            rooms,
            acknowledged: flag(&booking["acknowledged"]),
        })
    }

    /// Reads every booking.
    pub fn read_all(bookings: &[Value]) -> Result<Vec<Self>, ToolError> {
        bookings.iter().map(Self::read).collect()
    }

    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref().is_some_and(|status| {
            status.eq_ignore_ascii_case("cancelled") || status.eq_ignore_ascii_case("canceled")
        })
    }
}

/// Sorts by arrival date, then booking id: the order every day's tool pages in.
pub fn sort_by_arrival(bookings: &mut [BookingView]) {
    bookings.sort_by_key(|b| (b.checkin_date, b.booking_id));
}

/// Fills the room names a booking item left out from the property's rooms
/// (asked for only when a name is missing).
pub async fn name_rooms<'a>(
    context: &ToolContext,
    bookings: impl Iterator<Item = &'a mut BookingView>,
) -> Result<(), ToolError> {
    let mut names: Option<RoomNames> = None;
    for room in bookings.flat_map(|b| b.rooms.iter_mut()) {
        let Some(room_id) = room.room_id.filter(|_| room.room_name.is_none()) else {
            continue;
        };
        if names.is_none() {
            names = Some(context.room_names().await?);
        }
        room.room_name = names.as_ref().and_then(|n| n.get(&room_id).cloned());
    }
    Ok(())
}

/// A number, or a string of digits (Quendoo sends ids either way).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `YYYY-MM-DD`, or a date-time that starts with one.
fn date(value: &Value) -> Option<NaiveDate> {
    let text = value.as_str()?;
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        other => integer(other).map(|n| n != 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_booking_reads_with_string_or_numeric_ids_and_datetime_dates() {
        let view = BookingView::read(&json!({
            "booking_id": "431250", "revision_id": 9, "booking_status": "Cancelled",
            "checkin_date": "2026-03-15 14:00:00", "checkout_date": "2026-03-18",
            "client": {"name": " Maria Ivanova ", "email": "", "phone": "+359 88 123 4567"},
            "booking_items": [{"booking_item_id": "7", "room_id": 2666, "room_name": "Double"}],
            "acknowledged": 0
        }))
        .unwrap();
        assert_eq!(
            (view.booking_id, view.revision_id, view.nights),
            (431250, Some(9), 3)
        );
        assert!(view.is_cancelled());
        assert_eq!(view.guest.name.as_deref(), Some("Maria Ivanova"));
        assert_eq!(view.guest.email, None);
        assert_eq!(view.rooms[0].booking_item_id, 7);
        assert_eq!(view.acknowledged, Some(false));
    }

    #[test]
    fn a_booking_without_dates_is_an_unexpected_answer() {
        let error = BookingView::read(&json!({"booking_id": 1})).unwrap_err();
        assert!(matches!(error, ToolError::UnexpectedResponse(_)), "{error}");
    }
}
