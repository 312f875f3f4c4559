//! The PMS writes. Each validates the whole request before changing anything.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::params::{Invalid, parse_date};
use crate::property::{Property, Sysres};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AvailabilityUpdate {
    values: Vec<AvailabilityItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityItem {
    date: String,
    room_id: Option<i64>,
    ext_room_id: Option<String>,
    avail: Option<u32>,
    qty: Option<u32>,
    is_opened: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ack {
    revision_id: i64,
    booking_items: Option<Vec<AckItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckItem {
    booking_item_id: i64,
    ext_reservation_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Assignment {
    items: Vec<AssignmentItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentItem {
    booking_item_id: i64,
    room_number: String,
    self_checkin_code: Option<String>,
}

/// `room_id` addresses Quendoo's own inventory, `ext_room_id` the external
/// channels' allotment of the same room type.
pub(crate) fn update_availability(
    property: &mut Property,
    update: AvailabilityUpdate,
) -> Result<Value, Invalid> {
    if update.values.is_empty() {
        return Err("'values' must hold at least one item".to_owned());
    }
    let mut changes = Vec::with_capacity(update.values.len());
    for (n, item) in update.values.iter().enumerate() {
        let date: NaiveDate = parse_date(&item.date)
            .ok_or_else(|| format!("values[{n}].date must be a date in the form YYYY-MM-DD"))?;
        let night = property.inventory.index(date).ok_or_else(|| {
            format!(
                "values[{n}].date is outside the inventory ({} to {})",
                property.inventory.start,
                property.inventory.end()
            )
        })?;
        let (room, sysres) = match (&item.room_id, &item.ext_room_id) {
            (Some(id), None) => (property.room_index(*id), Sysres::Qdo),
            (None, Some(ext)) => (
                property.rooms.iter().position(|r| &r.ext_room_id == ext),
                Sysres::Ext,
            ),
            _ => {
                return Err(format!(
                    "values[{n}] needs exactly one of room_id, ext_room_id"
                ));
            }
        };
        let room = room.ok_or_else(|| format!("values[{n}] names an unknown room"))?;
        if item.avail.is_none() && item.qty.is_none() && item.is_opened.is_none() {
            return Err(format!(
                "values[{n}] changes nothing (avail, qty, is_opened)"
            ));
        }
        if item.is_opened.is_some_and(|flag| flag > 1) {
            return Err(format!("values[{n}].is_opened must be 0 or 1"));
        }
        let mut next = property.inventory.table(sysres)[room][night];
        next.qty = item.qty.unwrap_or(next.qty);
        next.avail = item.avail.unwrap_or(next.avail.min(next.qty));
        next.is_opened = item.is_opened.unwrap_or(next.is_opened);
        if next.avail > next.qty {
            return Err(format!("values[{n}].avail exceeds the room type's qty"));
        }
        changes.push((sysres, room, night, next));
    }
    for (sysres, room, night, next) in &changes {
        property.inventory.table_mut(*sysres)[*room][*night] = *next;
    }
    Ok(json!({ "success": true, "updated": changes.len() }))
}

pub(crate) fn ack_booking(property: &mut Property, ack: Ack) -> Result<Value, Invalid> {
    let booking = property
        .bookings
        .iter_mut()
        .find(|b| b.revision_id == ack.revision_id)
        .ok_or_else(|| format!("unknown revision_id {}", ack.revision_id))?;
    let items = ack.booking_items.unwrap_or_default();
    for item in &items {
        if !booking
            .booking_items
            .iter()
            .any(|b| b.booking_item_id == item.booking_item_id)
        {
            return Err(format!(
                "booking item {} is not part of revision {}",
                item.booking_item_id, ack.revision_id
            ));
        }
    }
    for item in items {
        if let Some(stored) = booking
            .booking_items
            .iter_mut()
            .find(|b| b.booking_item_id == item.booking_item_id)
        {
            stored.ext_reservation_id = item.ext_reservation_id;
        }
    }
    booking.acknowledged = true;
    Ok(json!({
        "success": true,
        "booking_id": booking.booking_id,
        "revision_id": booking.revision_id,
        "acknowledged": true,
    }))
}

pub(crate) fn assign_rooms(
    property: &mut Property,
    assignment: Assignment,
) -> Result<Value, Invalid> {
    if assignment.items.is_empty() {
        return Err("'items' must hold at least one item".to_owned());
    }
    let mut places = Vec::with_capacity(assignment.items.len());
    for (n, item) in assignment.items.iter().enumerate() {
        if item.room_number.trim().is_empty() {
            return Err(format!("items[{n}].room_number must not be empty"));
        }
        let place = property
            .bookings
            .iter()
            .enumerate()
            .find_map(|(b, booking)| {
                let i = booking
                    .booking_items
                    .iter()
                    .position(|i| i.booking_item_id == item.booking_item_id)?;
                Some((b, i))
            });
        places.push(
            place.ok_or_else(|| format!("unknown booking_item_id {}", item.booking_item_id))?,
        );
    }
    let assigned = places.len();
    for ((booking, index), item) in places.into_iter().zip(assignment.items) {
        let stored = &mut property.bookings[booking].booking_items[index];
        stored.room_number = Some(item.room_number);
        stored.self_checkin_code = item.self_checkin_code;
    }
    Ok(json!({ "success": true, "assigned": assigned }))
}

/// Stored as given; upstream answers such writes with an empty body.
pub(crate) fn external_property_data(property: &mut Property, data: Map<String, Value>) {
    property.external_data.push(Value::Object(data));
}
