//! The day's tools (arrivals and departures, find_guest, occupancy,
//! unacknowledged bookings) against what the simulator holds: every
//! expectation is computed here from the simulator's own snapshot.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use crate::{Client, app::TestApp, call, connect, ok};

on_both_backends!(|db| crate::app::TestApp::spawn(db).await;
    arrivals_and_departures_are_the_simulators,
    a_guest_is_found_by_name_email_phone_and_booking_id,
    occupancy_is_what_availability_and_bookings_imply,
    unacknowledged_bookings_are_the_simulators_and_an_ack_removes_one
);

/// Every item of every page, following `next_cursor` from the first page;
/// each page's `total` is the same and the items add up to it.
async fn all_pages(client: &Client, tool: &str, mut arguments: Value) -> (Value, Vec<Value>) {
    let mut items = Vec::new();
    let first = ok(call(client, tool, arguments.clone()).await);
    let mut page = first.clone();
    loop {
        assert_eq!(page["total"], first["total"], "{page}");
        let data = page["data"].as_array().expect("data").clone();
        assert_eq!(page["returned"], data.len());
        items.extend(data);
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        arguments["cursor"] = json!(cursor);
        page = ok(call(client, tool, arguments.clone()).await);
    }
    assert_eq!(first["total"], items.len(), "every item once");
    (first, items)
}

fn date(value: &Value) -> NaiveDate {
    value.as_str().unwrap().parse().unwrap()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|b| b["booking_id"].as_i64().unwrap())
        .collect()
}

fn item_ids(booking: &Value, list: &str, field: &str) -> Vec<i64> {
    booking[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_i64().unwrap())
        .collect()
}

fn held_bookings(app: &TestApp, api_key: &str) -> Vec<Value> {
    app.sim.snapshot(api_key).unwrap()["bookings"]
        .as_array()
        .unwrap()
        .clone()
}

fn cancelled(booking: &Value) -> bool {
    booking["booking_status"] == "cancelled"
}

async fn arrivals_and_departures_are_the_simulators(app: TestApp) {
    let hotel = app.hotel("Arrivals").await;
    // The writes here only set the scene; their confirmation is tested apart.
    app.direct_writes(&hotel).await;
    let client = connect(&app, &hotel.token).await;
    let held = held_bookings(&app, &hotel.spec.api_key);
    let live: Vec<&Value> = held.iter().filter(|b| !cancelled(b)).collect();
    let on = |day: NaiveDate, field: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = live
            .iter()
            .filter(|b| date(&b[field]) == day)
            .map(|b| b["booking_id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        ids
    };
    // The busiest day the simulator filled with both arrivals and departures.
    let day = live
        .iter()
        .map(|b| date(&b["checkin_date"]))
        .filter(|day| !on(*day, "checkout_date").is_empty())
        .max_by_key(|day| {
            (
                on(*day, "checkin_date").len() + on(*day, "checkout_date").len(),
                *day,
            )
        })
        .expect("a day with arrivals and departures");
    let (arrivals, departures) = (on(day, "checkin_date"), on(day, "checkout_date"));

    let (first, items) = all_pages(
        &client,
        "get_arrivals_departures",
        json!({"date": day.to_string(), "limit": 2}),
    )
    .await;
    assert_eq!(first["arrivals"], arrivals.len());
    assert_eq!(first["departures"], departures.len());
    let movements: Vec<(String, i64)> = items
        .iter()
        .map(|m| {
            (
                m["movement"].as_str().unwrap().to_owned(),
                m["booking_id"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, i64)> = arrivals
        .iter()
        .map(|id| ("arrival".to_owned(), *id))
        .chain(departures.iter().map(|id| ("departure".to_owned(), *id)))
        .collect();
    assert_eq!(movements, expected);
    for item in &items {
        let booking = held
            .iter()
            .find(|b| b["booking_id"] == item["booking_id"])
            .unwrap();
        assert_eq!(item["revision_id"], booking["revision_id"]);
        assert_eq!(
            item["guest"], booking["client"],
            "the guest's contact as data"
        );
        assert_eq!(
            item_ids(item, "rooms", "booking_item_id"),
            item_ids(booking, "booking_items", "booking_item_id")
        );
        assert_eq!(
            item["nights"],
            (date(&booking["checkout_date"]) - date(&booking["checkin_date"])).num_days()
        );
        assert!(
            item["rooms"][0].get("room_number").is_none(),
            "none assigned yet"
        );
    }

    // A room assigned through us shows at once, though the list is cached.
    let item = items[0]["rooms"][0]["booking_item_id"].clone();
    ok(call(
        &client,
        "post_room_assignment",
        json!({"items": [{"booking_item_id": item, "room_number": "204"}]}),
    )
    .await);
    let again = ok(call(
        &client,
        "get_arrivals_departures",
        json!({"date": day.to_string(), "limit": 1}),
    )
    .await);
    assert_eq!(again["data"][0]["rooms"][0]["room_number"], "204");
    client.cancel().await.ok();
}

async fn a_guest_is_found_by_name_email_phone_and_booking_id(app: TestApp) {
    let hotel = app.hotel("Guests").await;
    let client = connect(&app, &hotel.token).await;
    let held = held_bookings(&app, &hotel.spec.api_key);
    let guest = &held[held.len() / 2];
    let contact = &guest["client"];
    let digits = |phone: &str| -> String { phone.chars().filter(char::is_ascii_digit).collect() };
    let surname = contact["name"]
        .as_str()
        .unwrap()
        .split(' ')
        .next_back()
        .unwrap()
        .to_lowercase();
    let email = contact["email"].as_str().unwrap().to_owned();
    let phone = digits(contact["phone"].as_str().unwrap());
    let where_ = |keep: &dyn Fn(&Value) -> bool| -> BTreeSet<i64> {
        held.iter()
            .filter(|b| keep(&b["client"]))
            .map(|b| b["booking_id"].as_i64().unwrap())
            .collect()
    };
    let booking_id = guest["booking_id"].as_i64().unwrap();
    let cases = [
        (
            format!("Ms {}", surname.to_uppercase()),
            "name",
            where_(&|c| {
                c["name"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(&surname)
            }),
        ),
        (
            email.to_uppercase(),
            "email",
            where_(&|c| c["email"] == email.as_str()),
        ),
        (
            // Another way to write the same number: 00 for +, spaced differently.
            format!("00{} {}", &phone[..5], &phone[5..]),
            "phone",
            where_(&|c| digits(c["phone"].as_str().unwrap()) == phone),
        ),
        (
            booking_id.to_string(),
            "booking_id",
            BTreeSet::from([booking_id]),
        ),
    ];
    for (query, field, expected) in cases {
        let (_, found) =
            all_pages(&client, "find_guest", json!({"query": query, "limit": 200})).await;
        let by_field: BTreeSet<i64> = found
            .iter()
            .filter(|b| b["matched"].as_array().unwrap().contains(&json!(field)))
            .map(|b| b["booking_id"].as_i64().unwrap())
            .collect();
        assert_eq!(by_field, expected, "{query} by {field}");
        assert!(expected.contains(&booking_id), "{query}");
    }
    client.cancel().await.ok();
}

async fn occupancy_is_what_availability_and_bookings_imply(app: TestApp) {
    let hotel = app.hotel("Occupancy").await;
    let client = connect(&app, &hotel.token).await;
    let snapshot = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    let from = date(&snapshot["inventory_start"]) + Days::new(3);
    let to = from + Days::new(6);
    let report = ok(call(
        &client,
        "get_occupancy",
        json!({"date_from": from.to_string(), "date_to": to.to_string(), "sysres": "qdo"}),
    )
    .await);

    // What getAvailability sells (a closed night sells nothing) and which
    // booked rooms stay each night, straight from the simulator's state.
    let inventory = &snapshot["inventory"]["qdo"];
    let mut sold: BTreeMap<(NaiveDate, i64), i64> = BTreeMap::new();
    for booking in snapshot["bookings"].as_array().unwrap() {
        if cancelled(booking) {
            continue;
        }
        let (checkin, checkout) = (
            date(&booking["checkin_date"]),
            date(&booking["checkout_date"]),
        );
        for item in booking["booking_items"].as_array().unwrap() {
            for night in from.iter_days().take_while(|n| *n <= to) {
                if checkin <= night && night < checkout {
                    *sold
                        .entry((night, item["room_id"].as_i64().unwrap()))
                        .or_default() += 1;
                }
            }
        }
    }
    let nights = report["nights"].as_array().unwrap();
    assert_eq!(nights.len(), 7);
    let mut any_sold = false;
    for (night, row) in from.iter_days().zip(nights) {
        assert_eq!(date(&row["date"]), night);
        let (mut all_free, mut all_sold) = (0, 0);
        let types = row["room_types"].as_array().unwrap();
        assert_eq!(types.len(), snapshot["rooms"].as_array().unwrap().len());
        for (room, counts) in snapshot["rooms"].as_array().unwrap().iter().zip(types) {
            let room_id = room["id"].as_i64().unwrap();
            let held = &inventory[room_id.to_string()][night.to_string()];
            let free = if held["is_opened"] == 1 {
                held["avail"].as_i64().unwrap()
            } else {
                0
            };
            let sold = sold.get(&(night, room_id)).copied().unwrap_or(0);
            any_sold |= sold > 0;
            assert_eq!(counts["room_id"], room_id);
            assert_eq!(counts["room_name"], room["name"]);
            assert_eq!(
                (&counts["free"], &counts["sold"], &counts["total"]),
                (&json!(free), &json!(sold), &json!(free + sold)),
                "{night} room {room_id}"
            );
            let percent = if free + sold > 0 {
                100.0 * sold as f64 / (free + sold) as f64
            } else {
                0.0
            };
            assert!(
                (counts["percent"].as_f64().unwrap() - percent).abs() <= 0.050_001,
                "one decimal"
            );
            all_free += free;
            all_sold += sold;
        }
        assert_eq!(
            (&row["free"], &row["sold"], &row["total"]),
            (
                &json!(all_free),
                &json!(all_sold),
                &json!(all_free + all_sold)
            ),
            "{night} overall"
        );
    }
    assert!(any_sold, "the simulator had guests staying in the range");
    client.cancel().await.ok();
}

async fn unacknowledged_bookings_are_the_simulators_and_an_ack_removes_one(app: TestApp) {
    let hotel = app.hotel("Acknowledgements").await;
    // The writes here only set the scene; their confirmation is tested apart.
    app.direct_writes(&hotel).await;
    let client = connect(&app, &hotel.token).await;
    let mut waiting: Vec<Value> = held_bookings(&app, &hotel.spec.api_key)
        .into_iter()
        .filter(|b| b["acknowledged"] == false)
        .collect();
    waiting.sort_by_key(|b| (date(&b["checkin_date"]), b["booking_id"].as_i64()));
    assert!(
        waiting.len() > 3,
        "the simulator holds unacknowledged bookings"
    );

    let list = json!({"limit": 7});
    let (_, listed) = all_pages(&client, "get_unacknowledged_bookings", list.clone()).await;
    assert_eq!(ids(&listed), ids(&waiting), "soonest arrival first");
    let first = &listed[0];
    assert_eq!(first["revision_id"], waiting[0]["revision_id"]);
    assert_eq!(
        item_ids(first, "rooms", "booking_item_id"),
        item_ids(&waiting[0], "booking_items", "booking_item_id")
    );

    // Within the cache's lifetime: the write itself must make the next read fresh.
    ok(call(
        &client,
        "ack_booking",
        json!({"revision_id": first["revision_id"]}),
    )
    .await);
    let (_, after) = all_pages(&client, "get_unacknowledged_bookings", list).await;
    assert_eq!(ids(&after), ids(&waiting[1..]));
    client.cancel().await.ok();
}
