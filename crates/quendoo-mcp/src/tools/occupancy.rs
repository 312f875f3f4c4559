//! How full the hotel is per night: what is still free (getAvailability)
//! beside what is booked (getBookings).
//!
//! Quendoo reports no room count per type, only the rooms still for sale;
//! as in any PMS, a booked room is no longer for sale, so the rooms in use
//! on a night are the free ones plus the sold ones.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use quendoo_api::Sysres;
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    Hints, Spec, ToolDef, ToolError,
    availability::{AvailabilityArgs, NightAvailability, fetch},
    booking_view::BookingView,
    budget::Cut,
    cursor, define,
};

const CURSOR: &str = "occupancy";
use crate::{domain::KeyName, policy::Toolset};

#[derive(Serialize, JsonSchema)]
struct OccupancyReport {
    date_from: NaiveDate,
    date_to: NaiveDate,
    sysres: Sysres,
    /// One entry per night, in date order.
    nights: Vec<NightOccupancy>,
    /// `cursor` for the nights left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Set when the result budget cut the answer: `omitted` nights, `ask_next` says how to get them.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
}

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
struct NightOccupancy {
    date: NaiveDate,
    /// All room types together.
    #[serde(flatten)]
    overall: Counts,
    /// Per room type, by room id.
    room_types: Vec<RoomTypeOccupancy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
struct RoomTypeOccupancy {
    room_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    room_name: Option<String>,
    #[serde(flatten)]
    counts: Counts,
}

// The tool's description defines these; field docs would repeat it in
// both places the struct is flattened into.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
struct Counts {
    total: i64,
    free: i64,
    sold: i64,
    percent: f64,
}

impl Counts {
    fn new(free: i64, sold: i64) -> Self {
        let total = free + sold;
        let percent = if total > 0 {
            (sold as f64 * 1000.0 / total as f64).round() / 10.0
        } else {
            0.0
        };
        Self {
            total,
            free,
            sold,
            percent,
        }
    }
}

pub fn get_occupancy() -> ToolDef {
    define(
        Spec {
            name: "get_occupancy",
            title: "Occupancy per night",
            description: "How full the hotel is on each night of a range, per room type and \
                overall: rooms sold (non-cancelled bookings staying that night), free (for sale \
                in the inventory asked for, 0 while closed), total (= free + sold) and percent \
                sold (one decimal, 0 when total is 0). Use it instead of combining \
                get_availability and get_bookings for \"how full are we\".",
            hints: Hints::READ,
            toolset: Toolset::Availability,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: AvailabilityArgs| async move {
            let start = match args.cursor.as_deref() {
                Some(text) => Some(cursor::decode(CURSOR, text, |night| night.parse().ok())?),
                None => None,
            };
            let (free, bookings) = tokio::try_join!(fetch(&context, &args), async {
                BookingView::read_all(&context.bookings().await?)
            })?;
            let mut nights = occupancy(&free, &bookings, args.date_from, args.date_to)?;
            if let Some(start) = start {
                nights.retain(|night| night.date >= start);
            }
            context.budget().fit(&nights, |kept| {
                let next = nights.get(kept);
                OccupancyReport {
                    date_from: args.date_from,
                    date_to: args.date_to,
                    sysres: args.sysres,
                    nights: nights[..kept].to_vec(),
                    next_cursor: next.map(|night| cursor::encode(CURSOR, &night.date.to_string())),
                    cut: next.map(|night| Cut {
                        omitted: nights.len() - kept,
                        ask_next: format!(
                            "Nights from {} on did not fit the result budget: call again with \
                             the same arguments and `cursor` = `next_cursor`, or ask for fewer \
                             nights.",
                            night.date
                        ),
                    }),
                }
            })
        },
    )
}

fn occupancy(
    free: &[NightAvailability],
    bookings: &[BookingView],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NightOccupancy>, ToolError> {
    // Room types by id, named where Quendoo names them.
    let mut room_types: BTreeMap<i64, Option<String>> = BTreeMap::new();
    let mut free_by_night = HashMap::new();
    for row in free {
        free_by_night.insert((row.date, row.room_id), row.qty);
        room_types.insert(row.room_id, row.room_name.clone());
    }
    let mut sold_by_night: HashMap<(NaiveDate, i64), i64> = HashMap::new();
    let after = to + Days::new(1);
    for booking in bookings.iter().filter(|b| !b.is_cancelled()) {
        let first = booking.checkin_date.max(from);
        let end = booking.checkout_date.min(after);
        for room in &booking.rooms {
            let Some(room_id) = room.room_id else {
                continue;
            };
            let name = room_types.entry(room_id).or_default();
            if name.is_none() {
                name.clone_from(&room.room_name);
            }
            for night in first.iter_days().take_while(|night| *night < end) {
                *sold_by_night.entry((night, room_id)).or_default() += 1;
            }
        }
    }
    let nights = from
        .iter_days()
        .take_while(|night| *night <= to)
        .map(|night| {
            let room_types: Vec<RoomTypeOccupancy> = room_types
                .iter()
                .map(|(&room_id, room_name)| RoomTypeOccupancy {
                    room_id,
                    room_name: room_name.clone(),
                    counts: Counts::new(
                        free_by_night.get(&(night, room_id)).copied().unwrap_or(0),
                        sold_by_night.get(&(night, room_id)).copied().unwrap_or(0),
                    ),
                })
                .collect();
            let (free, sold) = room_types.iter().fold((0, 0), |(free, sold), room| {
                (free + room.counts.free, sold + room.counts.sold)
            });
            NightOccupancy {
                date: night,
                overall: Counts::new(free, sold),
                room_types,
            }
        })
        .collect();
    Ok(nights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn free(room_id: i64, date: &str, qty: i64) -> NightAvailability {
        NightAvailability {
            room_id,
            room_name: Some(format!("Room {room_id}")),
            date: day(date),
            qty,
            is_opened: qty > 0,
        }
    }

    fn booking(status: &str, checkin: &str, checkout: &str, rooms: &[i64]) -> BookingView {
        let items: Vec<_> = rooms
            .iter()
            .enumerate()
            .map(|(n, room)| json!({"booking_item_id": n, "room_id": room, "room_name": "Booked"}))
            .collect();
        BookingView::read(&json!({
            "booking_id": 1, "booking_status": status, "checkin_date": checkin,
            "checkout_date": checkout, "booking_items": items
        }))
        .unwrap()
    }

    #[test]
    fn sold_rooms_are_the_nights_stayed_and_total_is_free_plus_sold() {
        let free = [
            free(1, "2026-03-15", 3),
            free(1, "2026-03-16", 0),
            free(2, "2026-03-15", 1),
            free(2, "2026-03-16", 1),
        ];
        let bookings = [
            // Two rooms of type 1 from the 14th, leaving on the 16th.
            booking("confirmed", "2026-03-14", "2026-03-16", &[1, 1]),
            // Arrives on the 16th in a room type not for sale in the range.
            booking("modified", "2026-03-16", "2026-03-20", &[3]),
            booking("Cancelled", "2026-03-15", "2026-03-17", &[2]),
        ];
        let nights = occupancy(&free, &bookings, day("2026-03-15"), day("2026-03-16")).unwrap();
        let first = &nights[0];
        assert_eq!(first.overall, Counts::new(4, 2));
        assert_eq!(first.overall.percent, 33.3);
        let rows: Vec<_> = first
            .room_types
            .iter()
            .map(|r| {
                (
                    r.room_id,
                    r.room_name.as_deref(),
                    r.counts.total,
                    r.counts.sold,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, Some("Room 1"), 5, 2),
                (2, Some("Room 2"), 1, 0),
                (3, Some("Booked"), 0, 0)
            ]
        );
        let second = &nights[1];
        assert_eq!(second.date, day("2026-03-16"));
        assert_eq!(second.overall, Counts::new(1, 1));
        assert_eq!(second.room_types[2].counts.percent, 100.0);
        assert_eq!(second.room_types[0].counts.percent, 0.0, "nothing at all");
    }
}
