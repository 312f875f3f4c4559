//! Results over the result budget are cut with a notice, and their cursor
//! (or the narrower request the notice names) leads to the rest: over real
//! HTTP, with a small `RESULT_BUDGET`, against the simulator.

use chrono::{Days, Utc};
use quendoo_mcp::tools::{ResultBudget, json_size};
use serde_json::{Map, Value, json};

use crate::{Client, app::TestApp, call, connect, connect_to, ok};

const BUDGET_TOKENS: &str = "3000";

fn budget() -> ResultBudget {
    BUDGET_TOKENS.parse().unwrap()
}

on_both_backends!(|db| crate::app::TestApp::spawn_with(db, |serve| serve.result_budget = super::budget()).await;
    bookings_are_cut_at_the_budget_and_the_cursor_goes_on_at_the_cut,
    a_year_of_availability_comes_in_runs_cut_at_the_budget_and_continued_by_cursor,
    settings_cut_at_the_budget_name_the_sections_left_out
);

/// `tool` called with `arguments`, then again with each `next_cursor`,
/// until an answer has none: every answer, each checked against the budget.
async fn every_page(client: &Client, tool: &str, arguments: Value) -> Vec<Value> {
    let mut pages: Vec<Value> = Vec::new();
    let mut arguments = arguments;
    loop {
        let page = ok(call(client, tool, arguments.clone()).await);
        let size = json_size(&page);
        assert!(size <= budget().bytes(), "{tool}: {size} bytes");
        let next = page.get("next_cursor").cloned();
        assert_eq!(next.is_some(), page.get("cut").is_some(), "{page}");
        pages.push(page);
        match next {
            Some(cursor) => arguments["cursor"] = cursor,
            None => return pages,
        }
        assert!(
            pages.len() < 500,
            "{tool}: the cursor goes round in circles"
        );
    }
}

async fn bookings_are_cut_at_the_budget_and_the_cursor_goes_on_at_the_cut(app: TestApp) {
    let hotel = app.hotel("Budget bookings").await;
    let client = connect(&app, &hotel.token).await;
    let pages = every_page(&client, "get_bookings", json!({"limit": 200})).await;
    assert!(pages.len() > 2, "a small budget cuts pages of 200");
    let first = &pages[0];
    let cut = &first["cut"];
    assert_eq!(cut["omitted"], 200 - first["returned"].as_u64().unwrap());
    assert!(
        cut["ask_next"].as_str().unwrap().contains("next_cursor"),
        "{cut}"
    );

    let seen: Vec<Value> = pages
        .iter()
        .flat_map(|page| page["data"].as_array().unwrap().clone())
        .collect();
    // The uncut result: what the simulator holds, in the tool's order.
    let mut held = app.sim.snapshot(&hotel.spec.api_key).unwrap()["bookings"]
        .as_array()
        .unwrap()
        .clone();
    held.sort_by_key(|b| {
        (
            b["checkin_date"].as_str().unwrap().to_owned(),
            b["booking_id"].as_i64(),
        )
    });
    let ids = |bookings: &[Value]| -> Vec<Value> {
        bookings.iter().map(|b| b["booking_id"].clone()).collect()
    };
    assert_eq!(ids(&seen), ids(&held));
    assert_eq!(seen, held, "each booking whole, as the PMS holds it");
    assert_eq!(first["total"], held.len());
    client.cancel().await.ok();
}

async fn a_year_of_availability_comes_in_runs_cut_at_the_budget_and_continued_by_cursor(
    app: TestApp,
) {
    let hotel = app.hotel("Budget availability").await;
    let client = connect(&app, &hotel.token).await;
    let from = Utc::now().date_naive();
    let to = from + Days::new(365);
    let range = json!({"date_from": from.to_string(), "date_to": to.to_string(), "sysres": "qdo"});
    let pages = every_page(&client, "get_availability", range.clone()).await;
    assert!(
        pages.len() > 2,
        "a year does not fit {BUDGET_TOKENS} tokens"
    );
    let notice = pages[0]["cut"]["ask_next"].as_str().unwrap();
    let next = &pages[1]["availability"][0];
    assert!(
        notice.contains(&next["room_id"].to_string())
            && notice.contains(next["from"].as_str().unwrap()),
        "the notice says where the next page starts: {notice}"
    );
    let runs: Vec<Value> = pages
        .iter()
        .flat_map(|page| page["availability"].as_array().unwrap().clone())
        .collect();
    let left_out: u64 = pages[0]["cut"]["omitted"].as_u64().unwrap();
    assert_eq!(
        left_out as usize,
        runs.len() - pages[0]["availability"].as_array().unwrap().len()
    );

    // The uncut result, from a replica with room for it.
    let roomy = app
        .replica(|serve| serve.result_budget = "10000000".parse().unwrap())
        .await;
    let roomy_client = connect_to(roomy.addr, &hotel.token).await;
    let whole = ok(call(&roomy_client, "get_availability", range).await);
    assert!(whole.get("cut").is_none() && whole.get("next_cursor").is_none());
    assert_eq!(runs, whole["availability"].as_array().unwrap().clone());

    // The runs say, night by night, what the simulator holds.
    let held = &app.sim.snapshot(&hotel.spec.api_key).unwrap()["inventory"]["qdo"];
    let mut nights = 0;
    for run in &runs {
        let (start, end) = (date(&run["from"]), date(&run["to"]));
        assert!(start <= end, "{run}");
        for night in start.iter_days().take_while(|d| *d <= end) {
            let pms = &held[run["room_id"].to_string()][night.to_string()];
            // Quendoo reports what is sellable: nothing on a closed night.
            let sellable = if pms["is_opened"] == 1 {
                &pms["avail"]
            } else {
                &json!(0)
            };
            assert_eq!(&run["qty"], sellable, "{run} on {night}: {pms}");
            nights += 1;
        }
    }
    let rooms = held.as_object().unwrap().len();
    assert_eq!(nights, rooms * 366, "every room and night once");
    assert!(runs.len() < nights, "equal nights come as one run");
    roomy_client.cancel().await.ok();
    roomy.shut_down().await.unwrap();
    client.cancel().await.ok();
}

async fn settings_cut_at_the_budget_name_the_sections_left_out(app: TestApp) {
    let hotel = app.hotel("Budget settings").await;
    let client = connect(&app, &hotel.token).await;
    let mut sections = Map::new();
    let mut arguments = json!({});
    for _ in 0..20 {
        let answer = ok(call(&client, "get_property_settings", arguments).await);
        assert!(json_size(&answer) <= budget().bytes());
        sections.extend(answer["data"].as_object().unwrap().clone());
        let Some(cut) = answer.get("cut") else { break };
        // The notice names the sections left out as `names` to ask with.
        let notice = cut["ask_next"].as_str().unwrap();
        let names = notice.split('"').nth(1).expect("names in quotes");
        assert_eq!(
            names.split(',').count() as u64,
            cut["omitted"].as_u64().unwrap()
        );
        arguments = json!({"names": names});
    }
    let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    assert_eq!(Value::Object(sections), held["settings"]);
    client.cancel().await.ok();
}

fn date(value: &Value) -> chrono::NaiveDate {
    value.as_str().unwrap().parse().unwrap()
}
