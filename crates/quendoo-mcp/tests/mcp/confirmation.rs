//! Writes that show what they will do and do it only once confirmed, on
//! every transport: the preview against the simulator's state, the code
//! bound to its hotel, tool, arguments and time, the operator's `direct`,
//! and elicitation (accepted and declined) with a 2026-07-28 client.

use std::time::Duration;

use chrono::NaiveDate;
use reqwest::StatusCode;
use rmcp::{
    ClientHandler, ClientLifecycleMode, ClientServiceExt, ErrorData, RoleClient,
    model::{
        CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
        ElicitationAction, Implementation, ProtocolVersion,
    },
    service::{RequestContext, RunningService},
};
use serde_json::{Value, json};

use crate::support::{
    TestDb,
    app::{Hotel, TestApp},
    transports::{Endpoint, Reply, Transport, call_tool},
};

on_both_backends!(|db| crate::support::app::TestApp::spawn(db).await;
    a_confirmed_write_lands_as_previewed_on_every_transport,
    a_code_holds_only_for_its_hotel_tool_and_arguments,
    direct_writes_skip_the_confirmation,
    people_are_reached_only_after_a_yes,
    elicitation_asks_the_person_and_acts_on_the_answer,
    a_forged_or_unanswered_request_state_changes_nothing,
    a_code_runs_its_write_once_on_any_replica,
    a_request_state_runs_its_write_once,
);

/// A room type and `nights` consecutive nights, from `offset` days after
/// the simulator's inventory starts or later, on which it has rooms free.
fn room_and_nights(
    app: &TestApp,
    hotel: &Hotel,
    offset: u64,
    nights: u64,
) -> (i64, Vec<NaiveDate>) {
    let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    let room = held["rooms"][0]["id"].as_i64().unwrap();
    let start: NaiveDate = serde_json::from_value(held["inventory_start"].clone()).unwrap();
    (offset..offset + 200)
        .map(|first| {
            (first..first + nights)
                .map(|day| start + chrono::Days::new(day))
                .collect::<Vec<_>>()
        })
        .find(|dates| dates.iter().all(|d| free_in_sim(app, hotel, room, *d) > 0))
        .map(|dates| (room, dates))
        .expect("nights with rooms free")
}

/// What the simulator would say is free: its own state, read directly.
fn free_in_sim(app: &TestApp, hotel: &Hotel, room: i64, date: NaiveDate) -> i64 {
    let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    let night = &held["inventory"]["qdo"][room.to_string()][date.to_string()];
    if night["is_opened"] == 1 {
        night["avail"].as_i64().unwrap()
    } else {
        0
    }
}

fn close(room: i64, dates: &[NaiveDate]) -> Value {
    let values: Vec<Value> = dates
        .iter()
        .map(|date| json!({"date": date, "room_id": room, "avail": 0}))
        .collect();
    json!({ "values": values })
}

/// `tool` called again with `arguments` and `confirmation` set to `code`.
async fn confirm(
    app: &impl Endpoint,
    hotel: &Hotel,
    transport: Transport,
    tool: &str,
    arguments: &Value,
    code: &str,
) -> Reply {
    let mut arguments = arguments.clone();
    arguments["confirmation"] = json!(code);
    call_tool(app, hotel, transport, tool, arguments, &[]).await
}

#[track_caller]
fn code_of(preview: &Reply) -> String {
    let answer = preview.ok();
    assert_eq!(answer["status"], "confirmation_required", "{answer}");
    answer["confirmation"].as_str().unwrap().to_owned()
}

async fn a_confirmed_write_lands_as_previewed_on_every_transport(app: TestApp) {
    let hotel = app.hotel("Previews").await;
    for (n, transport) in Transport::ALL.into_iter().enumerate() {
        // Each transport its own nights, whose room has something free.
        let (room, dates) = room_and_nights(&app, &hotel, 10 + 5 * n as u64, 3);
        let before: Vec<i64> = dates
            .iter()
            .map(|d| free_in_sim(&app, &hotel, room, *d))
            .collect();
        let update = close(room, &dates);
        let preview = call_tool(
            &app,
            &hotel,
            transport,
            "update_availability",
            update.clone(),
            &[],
        )
        .await;
        let code = code_of(&preview);
        let answer = preview.ok();
        // The preview reads the PMS as it is: the same numbers, and words
        // that say them.
        let changes = answer["changes"].as_array().unwrap();
        let previewed: Vec<(String, String, i64)> = changes
            .iter()
            .map(|c| {
                (
                    c["from"].as_str().unwrap().to_owned(),
                    c["to"].as_str().unwrap().to_owned(),
                    c["free_now"].as_i64().unwrap(),
                )
            })
            .collect();
        let mut expected: Vec<(String, String, i64)> = Vec::new();
        for (date, free) in dates.iter().zip(&before) {
            match expected.last_mut() {
                Some(last) if last.2 == *free => last.1 = date.to_string(),
                _ => expected.push((date.to_string(), date.to_string(), *free)),
            }
        }
        assert_eq!(previewed, expected, "{transport:?}: {answer}");
        let words = answer["preview"].as_str().unwrap();
        assert!(
            words.contains(&format!("{} free -> 0 free", before[0])),
            "{transport:?}: {words}"
        );
        // Nothing has changed yet.
        for (date, free) in dates.iter().zip(&before) {
            assert_eq!(
                free_in_sim(&app, &hotel, room, *date),
                *free,
                "{transport:?}"
            );
        }
        let done = confirm(
            &app,
            &hotel,
            transport,
            "update_availability",
            &update,
            &code,
        )
        .await;
        assert_eq!(done.ok()["status"], "done", "{transport:?}: {done:?}");
        for date in &dates {
            assert_eq!(free_in_sim(&app, &hotel, room, *date), 0, "{transport:?}");
        }
    }
}

async fn a_code_holds_only_for_its_hotel_tool_and_arguments(app: TestApp) {
    let hotel = app.hotel("Codes").await;
    let other = app.hotel("Another hotel").await;
    let (room, dates) = room_and_nights(&app, &hotel, 40, 2);
    let update = close(room, &dates);
    let untouched = |app: &TestApp, hotel: &Hotel| {
        dates
            .iter()
            .map(|d| free_in_sim(app, hotel, room, *d))
            .collect::<Vec<_>>()
    };
    let before = (untouched(&app, &hotel), untouched(&app, &other));
    for transport in Transport::ALL {
        let code = code_of(
            &call_tool(
                &app,
                &hotel,
                transport,
                "update_availability",
                update.clone(),
                &[],
            )
            .await,
        );
        let other_nights = close(room, &dates[..1]);
        let ack = json!({"revision_id": 1});
        let refusals = [
            // Other arguments.
            confirm(
                &app,
                &hotel,
                transport,
                "update_availability",
                &other_nights,
                &code,
            )
            .await,
            // Another hotel.
            confirm(
                &app,
                &other,
                transport,
                "update_availability",
                &update,
                &code,
            )
            .await,
            // Another tool.
            confirm(&app, &hotel, transport, "ack_booking", &ack, &code).await,
            // Not a code at all.
            confirm(
                &app,
                &hotel,
                transport,
                "update_availability",
                &update,
                "forged",
            )
            .await,
        ];
        for refused in refusals {
            let text = refused.refused();
            assert!(
                text.contains("Nothing was changed") && text.contains("confirmation"),
                "{transport:?}: {text}"
            );
            if transport == Transport::Rest {
                assert_eq!(refused.status, StatusCode::CONFLICT);
            }
        }
    }
    assert_eq!((untouched(&app, &hotel), untouched(&app, &other)), before);

    // Past its time, a code is refused too.
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.confirmation_ttl = Duration::from_secs(1)
    })
    .await;
    let hotel = app.hotel("Slow to answer").await;
    let codes: Vec<String> = futures::future::join_all(Transport::ALL.map(|transport| {
        let (app, hotel, update) = (&app, &hotel, &update);
        async move {
            code_of(
                &call_tool(
                    app,
                    hotel,
                    transport,
                    "update_availability",
                    update.clone(),
                    &[],
                )
                .await,
            )
        }
    }))
    .await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for (transport, code) in Transport::ALL.into_iter().zip(codes) {
        let late = confirm(
            &app,
            &hotel,
            transport,
            "update_availability",
            &update,
            &code,
        )
        .await;
        assert!(
            late.refused().contains("expired"),
            "{transport:?}: {late:?}"
        );
    }
}

async fn direct_writes_skip_the_confirmation(app: TestApp) {
    let hotel = app.hotel("Direct").await;
    app.direct_writes(&hotel).await;
    for (n, transport) in Transport::ALL.into_iter().enumerate() {
        let (room, dates) = room_and_nights(&app, &hotel, 60 + 3 * n as u64, 2);
        let done = call_tool(
            &app,
            &hotel,
            transport,
            "update_availability",
            close(room, &dates),
            &[],
        )
        .await;
        assert_eq!(done.ok()["status"], "done", "{transport:?}");
        assert!(done.ok()["response"].is_object());
        assert_eq!(
            free_in_sim(&app, &hotel, room, dates[1]),
            0,
            "{transport:?}"
        );
    }
}

/// The e-mail and the call are previewed, and sent only with the code; the
/// preview's words say to whom.
async fn people_are_reached_only_after_a_yes(app: TestApp) {
    let hotel = app.hotel("People").await;
    let email =
        json!({"to": "maria@example.com", "subject": "Your room", "message": "Ready at 2 pm."});
    let call =
        json!({"phone": "+359888123456", "message": "Your room is ready.", "language": "en-US"});
    for transport in Transport::ALL {
        for (tool, arguments, words) in [
            (
                "send_quendoo_email",
                &email,
                "E-mail to maria@example.com, subject \"Your room\"",
            ),
            ("make_call", &call, "Phone call to +359888123456"),
        ] {
            let sent = app.sim.outbox().len();
            let preview = call_tool(&app, &hotel, transport, tool, arguments.clone(), &[]).await;
            let code = code_of(&preview);
            assert!(
                preview.ok()["preview"].as_str().unwrap().contains(words),
                "{preview:?}"
            );
            assert_eq!(
                app.sim.outbox().len(),
                sent,
                "{transport:?} {tool}: sent before a yes"
            );
            let done = confirm(&app, &hotel, transport, tool, arguments, &code).await;
            assert_eq!(done.ok()["status"], "done", "{transport:?} {tool}");
            assert_eq!(app.sim.outbox().len(), sent + 1, "{transport:?} {tool}");
        }
    }
}

#[track_caller]
fn assert_used(reply: &Reply, transport: Transport) {
    let text = reply.refused();
    assert!(
        text.contains("Nothing was changed") && text.contains("used already"),
        "{transport:?}: {text}"
    );
    if transport == Transport::Rest {
        assert_eq!(reply.status, StatusCode::CONFLICT);
    }
}

/// The same code again, on the replica that took it or another, sends
/// nothing; two uses at once on two replicas send one e-mail.
async fn a_code_runs_its_write_once_on_any_replica(app: TestApp) {
    let other = app.replica(|_| {}).await;
    let hotel = app.hotel("Once").await;
    let email =
        json!({"to": "ivan@example.com", "subject": "Late arrival", "message": "We wait for you."});
    let tool = "send_quendoo_email";
    for transport in Transport::ALL {
        let new_code =
            async || code_of(&call_tool(&app, &hotel, transport, tool, email.clone(), &[]).await);
        let sent = app.sim.outbox().len();
        let code = new_code().await;
        let done = confirm(&app, &hotel, transport, tool, &email, &code).await;
        assert_eq!(done.ok()["status"], "done", "{transport:?}: {done:?}");
        assert_used(
            &confirm(&other, &hotel, transport, tool, &email, &code).await,
            transport,
        );
        assert_used(
            &confirm(&app, &hotel, transport, tool, &email, &code).await,
            transport,
        );
        assert_eq!(
            app.sim.outbox().len(),
            sent + 1,
            "{transport:?}: sent twice"
        );

        let code = new_code().await;
        let (one, two) = tokio::join!(
            confirm(&app, &hotel, transport, tool, &email, &code),
            confirm(&other, &hotel, transport, tool, &email, &code),
        );
        let done = [&one, &two].iter().filter(|reply| !reply.is_error).count();
        assert_eq!(done, 1, "{transport:?}: {one:?} {two:?}");
        assert_eq!(app.sim.outbox().len(), sent + 2, "{transport:?}");
    }
    other.shut_down().await.unwrap();
}

/// An elicitation's `requestState` with its accepted answer, sent back a
/// second time, is refused: the write ran once.
async fn a_request_state_runs_its_write_once(app: TestApp) {
    let hotel = app.hotel("One answer").await;
    let client = Person::accepting().connect(&app, &hotel).await;
    let (room, dates) = room_and_nights(&app, &hotel, 140, 1);
    let Value::Object(arguments) = close(room, &dates) else {
        unreachable!()
    };
    let asked = CallToolRequestParams::new("update_availability").with_arguments(arguments);
    let state = match client
        .call_tool_once(asked.clone())
        .await
        .expect("tools/call")
    {
        rmcp::model::CallToolResponse::InputRequired(question) => {
            question.request_state.expect("a request state")
        }
        other => panic!("expected a question: {other:?}"),
    };
    let accepted = serde_json::to_value(ElicitResult::new(ElicitationAction::Accept)).unwrap();
    let mut answered = asked;
    answered.request_state = Some(state);
    answered.input_responses = Some([("confirm".to_owned(), accepted)].into());
    let mut results = Vec::new();
    for _ in 0..2 {
        match client
            .call_tool_once(answered.clone())
            .await
            .expect("tools/call")
        {
            rmcp::model::CallToolResponse::Complete(result) => results.push(result),
            other => panic!("expected a result: {other:?}"),
        }
    }
    let done = results[0]
        .structured_content
        .clone()
        .expect("a structured result");
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(free_in_sim(&app, &hotel, room, dates[0]), 0);
    assert_eq!(results[1].is_error, Some(true), "{:?}", results[1]);
    let text = format!("{:?}", results[1].content);
    assert!(text.contains("used already"), "{text}");
    client.cancel().await.unwrap();
}

/// A client of revision 2026-07-28 that answers every elicitation with
/// `action`, and keeps the questions it was asked.
#[derive(Clone)]
struct Person {
    action: ElicitationAction,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Person {
    fn accepting() -> Person {
        Person {
            action: ElicitationAction::Accept,
            asked: Default::default(),
        }
    }

    /// A client of revision 2026-07-28 on `/mcp`, for `hotel`.
    async fn connect(self, app: &TestApp, hotel: &Hotel) -> RunningService<RoleClient, Person> {
        let lifecycle = ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        };
        self.serve_with_lifecycle(crate::transport(app.url("/mcp"), &hotel.token), lifecycle)
            .await
            .expect("a 2026-07-28 client")
    }
}

impl ClientHandler for Person {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("reception-desk", "1.0"),
        )
        .with_protocol_version(ProtocolVersion::V_2026_07_28)
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        Ok(ElicitResult::new(self.action.clone()))
    }
}

async fn elicitation_asks_the_person_and_acts_on_the_answer(app: TestApp) {
    let hotel = app.hotel("Asking").await;
    for (n, action) in [
        ElicitationAction::Decline,
        ElicitationAction::Cancel,
        ElicitationAction::Accept,
    ]
    .into_iter()
    .enumerate()
    {
        let person = Person {
            action: action.clone(),
            asked: Default::default(),
        };
        let client = person.clone().connect(&app, &hotel).await;
        let (room, dates) = room_and_nights(&app, &hotel, 80 + 3 * n as u64, 2);
        let before = free_in_sim(&app, &hotel, room, dates[0]);
        let Value::Object(arguments) = close(room, &dates) else {
            unreachable!()
        };
        let result = client
            .call_tool(CallToolRequestParams::new("update_availability").with_arguments(arguments))
            .await
            .expect("tools/call");
        let answer = result.structured_content.expect("a structured result");
        let asked = person.asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "one question: {asked:?}");
        assert!(
            asked[0].contains(&format!("{before} free -> 0 free")),
            "the question shows the preview: {asked:?}"
        );
        if action == ElicitationAction::Accept {
            assert_eq!(answer["status"], "done", "{answer}");
            assert_eq!(free_in_sim(&app, &hotel, room, dates[0]), 0);
        } else {
            assert_eq!(answer["status"], "declined", "{action:?}: {answer}");
            assert!(
                answer["next_step"]
                    .as_str()
                    .unwrap()
                    .contains("nothing was changed")
            );
            assert_eq!(
                free_in_sim(&app, &hotel, room, dates[0]),
                before,
                "{action:?}"
            );
        }
        client.cancel().await.unwrap();
    }
}

/// A client that sends back a `requestState` we did not give, or none of
/// the person's answer, gets a refusal and nothing changes.
async fn a_forged_or_unanswered_request_state_changes_nothing(app: TestApp) {
    let hotel = app.hotel("Forged answers").await;
    let client = Person::accepting().connect(&app, &hotel).await;
    let (room, dates) = room_and_nights(&app, &hotel, 120, 1);
    let before = free_in_sim(&app, &hotel, room, dates[0]);
    let Value::Object(arguments) = close(room, &dates) else {
        unreachable!()
    };
    let accepted = serde_json::to_value(ElicitResult::new(ElicitationAction::Accept)).unwrap();

    let mut forged =
        CallToolRequestParams::new("update_availability").with_arguments(arguments.clone());
    forged.request_state = Some("rs1.forged.state".into());
    forged.input_responses = Some([("confirm".to_owned(), accepted)].into());
    let refused = match client.call_tool_once(forged).await.expect("tools/call") {
        rmcp::model::CallToolResponse::Complete(result) => result,
        other => panic!("expected a result: {other:?}"),
    };
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    let text = format!("{:?}", refused.content);
    assert!(text.contains("Nothing was changed"), "{text}");

    let mut unanswered =
        CallToolRequestParams::new("update_availability").with_arguments(arguments);
    unanswered.request_state = Some("rs1.any".into());
    let error = client
        .call_tool_once(unanswered)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("inputResponses"), "{error}");

    assert_eq!(free_in_sim(&app, &hotel, room, dates[0]), before);
    client.cancel().await.unwrap();
}
