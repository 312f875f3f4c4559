//! Bookings: finding them, acknowledging their revisions, assigning rooms.

use chrono::NaiveDate;
use quendoo_api::{AckBooking, RoomAssignment};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Hints, ResultBudget, Spec, ToolDef, ToolError, budget::Cut, cursor, define,
    property::WriteOutcome,
};
use crate::{domain::KeyName, policy::Toolset};

const DEFAULT_LIMIT: usize = 50;

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
    /// Bookings matching the filters.
    total: usize,
    /// Bookings in this page.
    returned: usize,
    /// `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Set when the result budget cut the page: `omitted` bookings, `ask_next` says how to get them.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
    /// As Quendoo holds them, by arrival, then booking id.
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
            let offset = match args.cursor.as_deref() {
                Some(text) => cursor::decode(CURSOR, text, |p| p.parse().ok())?,
                None => 0,
            };
            let data = context.client().get_bookings(context.credential()).await?;
            let Value::Array(bookings) = data else {
                return Err(ToolError::UnexpectedResponse("a list of bookings"));
            };
            if !bookings.iter().all(Value::is_object) {
                return Err(ToolError::UnexpectedResponse("a list of bookings"));
            }
            page(bookings, &args, offset, context.budget())
        },
    )
}

const CURSOR: &str = "bookings";

/// The page of `bookings` that `args` asks for from `offset`: at most
/// `limit`, and fewer when the budget cuts it (the cursor then goes on from
/// the first booking left out).
fn page(
    bookings: Vec<Value>,
    args: &BookingsArgs,
    offset: usize,
    budget: ResultBudget,
) -> Result<BookingsPage, ToolError> {
    let status = args.status.as_deref().map(str::to_lowercase);
    let query = args.query.as_deref().map(str::to_lowercase);
    let mut matching: Vec<Value> = bookings
        .into_iter()
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
    let total = matching.len();
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    let wanted: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    budget.fit(&wanted, |kept| {
        let end = offset + kept;
        BookingsPage {
            total,
            returned: kept,
            next_cursor: (end < total).then(|| cursor::encode(CURSOR, &end.to_string())),
            cut: (kept < wanted.len()).then(|| Cut {
                omitted: wanted.len() - kept,
                ask_next: "The rest of this page did not fit the result budget: call again \
                    with the same filters and `cursor` = `next_cursor`."
                    .into(),
            }),
            data: wanted[..kept].to_vec(),
        }
    })
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn ack_booking() -> ToolDef {
    define(
        Spec {
            name: "ack_booking",
            title: "Acknowledge a booking revision",
            description: "Tells Quendoo that a booking revision has been received and taken \
                into the hotel's own system, so that it is not delivered again; optionally \
                links each booking item to the hotel's own reservation number. Take \
                revision_id and booking_item_id from get_bookings. Acknowledging the same \
                revision again changes nothing.",
            hints: Hints::write(false, true),
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: AckBooking| async move {
            let response = context
                .client()
                .ack_booking(context.credential(), &args)
                .await?;
            Ok(WriteOutcome::new(response))
        },
    )
}

pub fn post_room_assignment() -> ToolDef {
    define(
        Spec {
            name: "post_room_assignment",
            title: "Assign rooms to booked items",
            description: "Assigns physical rooms (room numbers such as \"204\") to booking \
                items, optionally with a self check-in code for the guest, replacing any \
                earlier assignment of those items. Take booking_item_id from get_bookings. \
                Only assign rooms the hotel named.",
            hints: Hints::write(true, true),
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: RoomAssignment| async move {
            let response = context
                .client()
                .post_room_assignment(context.credential(), &args)
                .await?;
            Ok(WriteOutcome::new(response))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::json_size;
    use serde_json::json;

    fn booking(id: i64, arrival: &str, status: &str, guest: &str) -> Value {
        json!({"booking_id": id, "checkin_date": arrival, "booking_status": status,
               "client": {"name": guest}})
    }

    fn args(value: Value) -> BookingsArgs {
        serde_json::from_value(value).unwrap()
    }

    fn ids(page: &BookingsPage) -> Vec<i64> {
        page.data
            .iter()
            .map(|b| b["booking_id"].as_i64().unwrap())
            .collect()
    }

    fn sample() -> Vec<Value> {
        vec![
            booking(3, "2026-03-20", "confirmed", "Maria Ivanova"),
            booking(1, "2026-03-15", "cancelled", "John Smith"),
            booking(2, "2026-03-15", "Confirmed", "Ivan Petrov"),
            booking(4, "2026-04-01", "confirmed", "Anna Maria Lee"),
        ]
    }

    fn page_of(args_json: Value, offset: usize) -> BookingsPage {
        page(sample(), &args(args_json), offset, ResultBudget::DEFAULT).unwrap()
    }

    fn offset_of(page: &BookingsPage) -> usize {
        let next = page.next_cursor.as_deref().unwrap();
        cursor::decode(CURSOR, next, |p| p.parse().ok()).unwrap()
    }

    #[test]
    fn filters_combine_and_results_are_sorted_by_arrival_then_id() {
        assert_eq!(ids(&page_of(json!({}), 0)), vec![1, 2, 3, 4]);
        let confirmed_march = page_of(
            json!({"status": "CONFIRMED", "arrival_from": "2026-03-01", "arrival_to": "2026-03-31"}),
            0,
        );
        assert_eq!(ids(&confirmed_march), vec![2, 3]);
        assert_eq!(ids(&page_of(json!({"query": "maria"}), 0)), vec![3, 4]);
        assert_eq!(ids(&page_of(json!({"query": "4"}), 0)), vec![4]);
    }

    #[test]
    fn pages_follow_the_cursor_to_the_end() {
        let first = page_of(json!({"limit": 3}), 0);
        assert_eq!((first.total, first.returned, &first.cut), (4, 3, &None));
        let second = page_of(json!({"limit": 3}), offset_of(&first));
        assert_eq!(ids(&second), vec![4]);
        assert_eq!(second.next_cursor, None);
    }

    #[test]
    fn a_page_over_budget_is_cut_and_its_cursor_goes_on_at_the_cut() {
        let long = |id: i64| {
            let mut b = booking(
                id,
                &format!("2026-05-{:02}", id % 28 + 1),
                "confirmed",
                "Guest",
            );
            b["notes"] = json!("n".repeat(300));
            b
        };
        let bookings: Vec<Value> = (1..=40).map(long).collect();
        let budget: ResultBudget = "500".parse().unwrap();
        let (mut offset, mut seen) = (0, Vec::new());
        loop {
            let page = page(
                bookings.clone(),
                &args(json!({"limit": 200})),
                offset,
                budget,
            )
            .unwrap();
            assert!(json_size(&page) <= budget.bytes());
            seen.extend(ids(&page));
            let Some(cut) = &page.cut else {
                assert!(page.next_cursor.is_none());
                break;
            };
            assert_eq!(cut.omitted, 40 - offset - page.returned);
            offset = offset_of(&page);
            assert_eq!(offset, seen.len());
        }
        let whole = page(
            bookings,
            &args(json!({"limit": 200})),
            0,
            ResultBudget::DEFAULT,
        )
        .unwrap();
        assert_eq!(seen, ids(&whole));
        assert!(seen.len() == 40 && whole.cut.is_none());
    }
}
