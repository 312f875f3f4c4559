//! Bookings: finding them, acknowledging their revisions, assigning rooms.

use std::collections::HashMap;

use chrono::NaiveDate;
use quendoo_api::{AckBooking, RoomAssignment};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Hints, Preview, Spec, ToolContext, ToolDef, ToolError,
    context::Bookings,
    define, define_write,
    paging::{PageInfo, page},
};
use crate::{domain::KeyName, policy::Toolset};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BookingsArgs {
    /// Arrival on or after, `YYYY-MM-DD`.
    arrival_from: Option<NaiveDate>,
    /// Arrival on or before, `YYYY-MM-DD`.
    arrival_to: Option<NaiveDate>,
    /// E.g. `confirmed`, `cancelled`, `pending`.
    #[schemars(length(min = 1, max = 40))]
    status: Option<String>,
    /// Text in the guest's name or the booking id.
    #[schemars(length(min = 1, max = 100))]
    query: Option<String>,
    /// Page size, default 50.
    #[schemars(range(min = 1, max = 200))]
    limit: Option<usize>,
    /// `next_cursor` of the previous page (same filters).
    #[schemars(length(min = 1, max = 100))]
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct BookingsPage {
    #[serde(flatten)]
    page: PageInfo,
    /// The bookings as Quendoo holds them, sorted by arrival date, then booking id.
    #[schemars(schema_with = "super::schema::array_of_objects")]
    data: Vec<Value>,
}

pub fn get_bookings() -> ToolDef {
    define(
        Spec {
            name: "get_bookings",
            title: "Find bookings",
            description: "Bookings with guest, dates, status, payment, amounts and booking \
                items, sorted by arrival, in pages (`next_cursor`). Filter by arrival dates, \
                status or guest name/booking id. Gives the revision_id and booking_item_id \
                that ack_booking and post_room_assignment need.",
            hints: Hints::READ,
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: BookingsArgs| async move {
            let bookings = context.bookings().await?;
            page(
                matching(&bookings, &args),
                args.cursor.as_deref(),
                args.limit,
                context.budget(),
                |page, data| BookingsPage {
                    page,
                    data: data.iter().map(|booking| (*booking).clone()).collect(),
                },
            )
        },
    )
}

/// The bookings that pass `args`' filters, sorted by arrival, then id.
fn matching<'a>(bookings: &'a [Value], args: &BookingsArgs) -> Vec<&'a Value> {
    let status = args.status.as_deref().map(str::to_lowercase);
    let query = args.query.as_deref().map(str::to_lowercase);
    let mut matching: Vec<&Value> = bookings
        .iter()
        .filter(|booking| {
            let arrival = booking["checkin_date"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let arrival_ok = match (args.arrival_from, args.arrival_to, arrival) {
                (None, None, _) => true,
                (_, _, None) => false,
                (from, to, Some(day)) => {
                    from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
                }
            };
            let status_ok = status.as_ref().is_none_or(|wanted| {
                booking["booking_status"]
                    .as_str()
                    .map(str::to_lowercase)
                    .as_ref()
                    == Some(wanted)
            });
            let query_ok = query.as_ref().is_none_or(|needle| {
                let name = booking["client"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                name.contains(needle.as_str())
                    || text_of(&booking["booking_id"]).contains(needle.as_str())
            });
            arrival_ok && status_ok && query_ok
        })
        .collect();
    matching.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                text_of(&v["checkin_date"]),
                v["booking_id"].as_i64(),
                text_of(&v["booking_id"]),
            )
        };
        key(a).cmp(&key(b))
    });
    matching
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn ack_booking() -> ToolDef {
    define_write(
        Spec {
            name: "ack_booking",
            title: "Acknowledge a booking revision",
            description: "Tells Quendoo a booking revision is in the hotel's own system, so \
                it is not delivered again; may link items to the hotel's reservation numbers. \
                Ids from get_unacknowledged_bookings or get_bookings.",
            hints: Hints::write(false, true),
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        preview_ack,
        |context, args: AckBooking| async move {
            let response = context
                .client()
                .ack_booking(context.credential(), &args)
                .await?;
            context.forget_bookings().await;
            Ok(response)
        },
    )
}

/// The booking the revision belongs to, as the PMS holds it now.
async fn preview_ack(context: ToolContext, args: AckBooking) -> Result<Preview, ToolError> {
    let bookings = current_bookings(&context).await?;
    let booking = bookings
        .iter()
        .find(|b| b["revision_id"].as_i64() == Some(args.revision_id));
    let revision = args.revision_id;
    let Some(booking) = booking else {
        return Ok(Preview {
            summary: format!(
                "Acknowledge revision {revision}: no booking of this hotel has that revision \
                 now, so Quendoo will most likely refuse it."
            ),
            changes: json!({"revision_id": revision, "booking": null}),
        });
    };
    let already = if booking["acknowledged"] == json!(true) {
        " It is already acknowledged: nothing changes."
    } else {
        ""
    };
    let mut summary = format!(
        "Acknowledge booking {} (revision {revision}, {}, arrival {}, {} room(s)): Quendoo stops \
         delivering it.{already}",
        text_of(&booking["booking_id"]),
        text_of(&booking["booking_status"]),
        text_of(&booking["checkin_date"]),
        booking["booking_items"].as_array().map_or(0, Vec::len),
    );
    for item in args.booking_items.iter().flatten() {
        if let Some(reference) = &item.ext_reservation_id {
            summary.push_str(&format!(
                "\nItem {}: linked to your reservation {reference}.",
                item.booking_item_id
            ));
        }
    }
    Ok(Preview {
        summary,
        changes: json!({
            "revision_id": revision,
            "booking": booking,
            "booking_items": args.booking_items,
        }),
    })
}

pub fn post_room_assignment() -> ToolDef {
    define_write(
        Spec {
            name: "post_room_assignment",
            title: "Assign rooms to booked items",
            description: "Puts booking items in physical rooms (\"204\"), optionally with a \
                self check-in code, replacing earlier assignments. Only rooms the hotel named.",
            hints: Hints::write(true, true),
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        preview_assignment,
        |context, args: RoomAssignment| async move {
            let response = context
                .client()
                .post_room_assignment(context.credential(), &args)
                .await?;
            context.forget_bookings().await;
            Ok(response)
        },
    )
}

/// The bookings as Quendoo holds them now, for a preview: read afresh
/// (which refreshes the short cache too).
async fn current_bookings(context: &ToolContext) -> Result<Bookings, ToolError> {
    context.forget_bookings().await;
    context.bookings().await
}

/// Each item's booking and the room it has now.
async fn preview_assignment(
    context: ToolContext,
    args: RoomAssignment,
) -> Result<Preview, ToolError> {
    let bookings = current_bookings(&context).await?;
    let items: HashMap<i64, (&Value, &Value)> = bookings
        .iter()
        .flat_map(|booking| {
            booking["booking_items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |item| Some((item["booking_item_id"].as_i64()?, (booking, item))))
        })
        .collect();
    let mut lines = Vec::new();
    let mut changes = Vec::new();
    for wanted in &args.items {
        let id = wanted.booking_item_id;
        let code = if wanted.self_checkin_code.is_some() {
            ", with a self check-in code"
        } else {
            ""
        };
        match items.get(&id) {
            Some((booking, item)) => {
                let now = item["room_number"].as_str().unwrap_or("none");
                lines.push(format!(
                    "Booking {}, {} (item {id}, {} to {}): room {} (now: {now}){code}",
                    text_of(&booking["booking_id"]),
                    text_of(&item["room_name"]),
                    text_of(&booking["checkin_date"]),
                    text_of(&booking["checkout_date"]),
                    wanted.room_number,
                ));
                changes.push(json!({
                    "booking_item_id": id,
                    "booking_id": booking["booking_id"],
                    "room_name": item["room_name"],
                    "room_number_now": item["room_number"],
                    "room_number": wanted.room_number,
                    "guest": booking["client"],
                }));
            }
            None => {
                lines.push(format!(
                    "Item {id}: not among the hotel's bookings now, so Quendoo will most likely \
                     refuse it; room {}{code}",
                    wanted.room_number
                ));
                changes.push(json!({"booking_item_id": id, "room_number": wanted.room_number}));
            }
        }
    }
    Ok(Preview {
        summary: lines.join("\n"),
        changes: Value::Array(changes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn booking(id: i64, arrival: &str, status: &str, guest: &str) -> Value {
        json!({"booking_id": id, "checkin_date": arrival, "booking_status": status,
               "client": {"name": guest}})
    }

    fn ids(filters: Value) -> Vec<i64> {
        let sample = vec![
            booking(3, "2026-03-20", "confirmed", "Maria Ivanova"),
            booking(1, "2026-03-15", "cancelled", "John Smith"),
            booking(2, "2026-03-15", "Confirmed", "Ivan Petrov"),
            booking(4, "2026-04-01", "confirmed", "Anna Maria Lee"),
        ];
        let args: BookingsArgs = serde_json::from_value(filters).unwrap();
        matching(&sample, &args)
            .iter()
            .map(|b| b["booking_id"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn filters_combine_and_results_are_sorted_by_arrival_then_id() {
        assert_eq!(ids(json!({})), vec![1, 2, 3, 4]);
        assert_eq!(
            ids(
                json!({"status": "CONFIRMED", "arrival_from": "2026-03-01", "arrival_to": "2026-03-31"})
            ),
            vec![2, 3]
        );
        assert_eq!(ids(json!({"query": "maria"})), vec![3, 4]);
        assert_eq!(ids(json!({"query": "4"})), vec![4]);
    }
}
