//! The simulator over real HTTP: authentication, parameter checks, state
//! changes, offers, determinism, tenant separation, faults and controls.

use std::net::SocketAddr;

use quendoo_sim::{Fault, FaultBody, PropertySpec, RunningSim, SimConfig};
use serde_json::{Value, json};

const KEY: &str = "sim-test-key";

type Query<'a> = Vec<(&'a str, &'a str)>;

fn spec(key: &str) -> PropertySpec {
    PropertySpec {
        api_key: key.to_owned(),
        email_bearer: format!("{key}-email"),
        automation_bearer: format!("{key}-automation"),
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

struct Harness {
    sim: RunningSim,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        Self::with_seed(42).await
    }

    async fn with_seed(seed: u64) -> Self {
        let config = SimConfig {
            seed,
            properties: vec![spec(KEY)],
        };
        let sim = RunningSim::start(config, loopback())
            .await
            .expect("sim starts");
        Self {
            sim,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let mut url = url::Url::parse(&format!("{}{path}", self.sim.pms_base_url())).expect("url");
        url.query_pairs_mut().extend_pairs(query);
        let response = self.http.get(url).send().await.expect("GET");
        read(response).await
    }

    async fn post(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let mut url = url::Url::parse(&format!("{}{path}", self.sim.pms_base_url())).expect("url");
        url.query_pairs_mut().append_pair("api_key", key);
        let response = self.http.post(url).json(body).send().await.expect("POST");
        read(response).await
    }

    async fn availability(&self, from: &str, to: &str, sysres: &str) -> Value {
        let query = [
            ("api_key", KEY),
            ("date_from", from),
            ("date_to", to),
            ("sysres", sysres),
        ];
        let (status, body) = self.get("/Availability/getAvailability", &query).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    fn snapshot(&self) -> Value {
        self.sim.snapshot(KEY).expect("the property exists")
    }
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// The first night of the inventory plus `days`, as text.
fn day(snapshot: &Value, days: u64) -> String {
    let start: chrono::NaiveDate = serde_json::from_value(snapshot["inventory_start"].clone())
        .expect("inventory_start is a date");
    (start + chrono::Days::new(days)).to_string()
}

fn room_ids(snapshot: &Value) -> Vec<i64> {
    snapshot["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .map(|r| r["id"].as_i64().expect("room id"))
        .collect()
}

fn active_module(snapshot: &Value) -> String {
    snapshot["settings"]["booking_modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["is_active"] == 1)
        .and_then(|m| m["code"].as_str())
        .expect("an active module")
        .to_owned()
}

#[tokio::test]
async fn a_missing_or_unknown_key_is_401() {
    let h = Harness::start().await;
    let (status, _) = h.get("/Booking/getBookings", &[]).await;
    assert_eq!(status, 401);
    let (status, body) = h.get("/Booking/getBookings", &[("api_key", "nope")]).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "invalid api_key");
    let (status, _) = h.post("/Booking/ackBooking", "nope", &json!({})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_parameters_are_400_with_a_message() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let (today, later) = (day(&snapshot, 0), day(&snapshot, 5));
    let cases: Vec<(&str, Query, &str)> = vec![
        (
            "/Availability/getAvailability",
            vec![("date_to", &today), ("sysres", "qdo")],
            "missing required parameter 'date_from'",
        ),
        (
            "/Availability/getAvailability",
            vec![
                ("date_from", "2026-13-01"),
                ("date_to", &today),
                ("sysres", "qdo"),
            ],
            "parameter 'date_from' must be a date",
        ),
        (
            "/Availability/getAvailability",
            vec![
                ("date_from", &later),
                ("date_to", &today),
                ("sysres", "qdo"),
            ],
            "date_to must not be before date_from",
        ),
        (
            "/Availability/getAvailability",
            vec![
                ("date_from", &today),
                ("date_to", &later),
                ("sysres", "all"),
            ],
            "'sysres' must be 'qdo' or 'ext'",
        ),
        (
            "/Property/getPropertySettings",
            vec![("names", "rooms,secrets")],
            "unknown settings section 'secrets'",
        ),
        (
            "/Property/getRoomsDetails",
            vec![("room_id", "x")],
            "'room_id' must be an integer",
        ),
        (
            "/Property/getRoomsDetails",
            vec![("room_id", "1")],
            "room_id 1 is not a room type",
        ),
        ("/Property/getBookings", vec![], "unknown endpoint"),
        (
            "/Booking/getBookings",
            vec![("api_lng", "english")],
            "'api_lng' must be a two-letter",
        ),
        (
            "/Property/getBookingOffers",
            vec![("bm_code", "x"), ("date_from", &today), ("nights", "2")],
            "missing required parameter 'guests'",
        ),
        (
            "/Property/getBookingOffers",
            vec![
                ("bm_code", "x"),
                ("date_from", &today),
                ("nights", "2"),
                ("guests[0][adults]", "2"),
            ],
            "unknown booking module 'x'",
        ),
        (
            "/Property/getBookingOffers",
            vec![
                ("bm_code", "x"),
                ("date_from", &today),
                ("nights", "2"),
                ("guests[0][children_by_ages][0]", "3"),
            ],
            "guests[0][adults] is missing",
        ),
    ];
    for (path, mut query, expected) in cases {
        query.push(("api_key", KEY));
        let (status, body) = h.get(path, &query).await;
        let message = body["message"].as_str().unwrap_or_default();
        assert!(status == 400 || status == 404, "{path} {query:?}: {status}");
        assert!(message.contains(expected), "{path} {query:?}: {message}");
    }
    let (status, body) = h
        .post("/Booking/ackBooking", KEY, &json!({"revision": 1}))
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid JSON body")
    );
}

#[tokio::test]
async fn settings_filter_sections_and_rooms_filter_by_id() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let query = [("api_key", KEY), ("names", "booking_modules,property")];
    let (status, body) = h.get("/Property/getPropertySettings", &query).await;
    assert_eq!(status, 200);
    let sections: Vec<&String> = body["data"].as_object().expect("object").keys().collect();
    assert_eq!(sections, ["booking_modules", "property"]);
    assert_eq!(body["data"]["property"], snapshot["settings"]["property"]);
    let modules = body["data"]["booking_modules"].as_array().expect("modules");
    assert_eq!(modules[0]["is_active"], 0, "an inactive module comes first");

    let room = room_ids(&snapshot)[3].to_string();
    let (_, body) = h
        .get(
            "/Property/getRoomsDetails",
            &[("api_key", KEY), ("room_id", &room)],
        )
        .await;
    assert_eq!(body["data"], json!([snapshot["rooms"][3]]));
}

#[tokio::test]
async fn generated_data_is_rich_enough() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let rooms = snapshot["rooms"].as_array().expect("rooms").len();
    assert!((9..=11).contains(&rooms), "{rooms} room types");
    let bookings = snapshot["bookings"].as_array().expect("bookings");
    assert!((200..400).contains(&bookings.len()));
    assert!(
        bookings
            .iter()
            .any(|b| b["revision_number"].as_u64() > Some(1))
    );
    assert!(bookings.iter().all(|b| {
        b["client"]["email"]
            .as_str()
            .is_some_and(|e| e.contains('@'))
    }));
    for section in [
        "rates",
        "meals",
        "services",
        "beds",
        "payment_methods",
        "channels",
    ] {
        assert!(
            !snapshot["settings"][section]
                .as_array()
                .expect(section)
                .is_empty()
        );
    }
    let nights = snapshot["inventory"]["qdo"].as_object().expect("qdo");
    assert_eq!(nights.len(), rooms);
    assert!(
        nights
            .values()
            .all(|n| n.as_object().map(|o| o.len()) == Some(366))
    );
}

#[tokio::test]
async fn updated_availability_is_what_is_read_next() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let rooms = room_ids(&snapshot);
    let (night, next) = (day(&snapshot, 10), day(&snapshot, 11));
    let body = json!({"values": [
        {"date": night, "room_id": rooms[0], "qty": 9, "avail": 7, "is_opened": 1},
        {"date": next, "room_id": rooms[0], "is_opened": 0},
        {"date": night, "ext_room_id": format!("EXT-{}", rooms[1]), "avail": 0},
    ]});
    let (status, answer) = h.post("/Availability/updateAvailability", KEY, &body).await;
    assert_eq!((status, answer["updated"].clone()), (200, json!(3)));

    let qdo = h.availability(&night, &next, "qdo").await;
    let room0 = rooms[0].to_string();
    assert_eq!(qdo[&room0][&night], 7);
    assert_eq!(qdo[&room0][&next], 0, "a closed night sells nothing");
    let ext = h.availability(&night, &night, "ext").await;
    assert_eq!(ext[rooms[1].to_string()][&night], 0);
    let after = h.snapshot();
    assert_eq!(
        after["inventory"]["qdo"][&room0][&night],
        json!({"avail": 7, "qty": 9, "is_opened": 1})
    );
    assert_eq!(after["inventory"]["qdo"][&room0][&next]["is_opened"], 0);

    // A bad item refuses the whole request and changes nothing.
    let bad = json!({"values": [
        {"date": night, "room_id": rooms[0], "avail": 1},
        {"date": night, "room_id": 1, "avail": 1},
    ]});
    let (status, _) = h.post("/Availability/updateAvailability", KEY, &bad).await;
    assert_eq!(status, 400);
    assert_eq!(h.snapshot()["inventory"], after["inventory"]);
}

#[tokio::test]
async fn acks_and_room_assignments_are_stored() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let booking = snapshot["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["acknowledged"] == false)
        .expect("an unacknowledged booking")
        .clone();
    let item = booking["booking_items"][0]["booking_item_id"].clone();
    let ack = json!({"revision_id": booking["revision_id"], "booking_items": [{"booking_item_id": item, "ext_reservation_id": "PMS-1"}]});
    let (status, _) = h.post("/Booking/ackBooking", KEY, &ack).await;
    assert_eq!(status, 200);
    let assign = json!({"items": [{"booking_item_id": item, "room_number": "204", "self_checkin_code": "4711"}]});
    let (status, _) = h.post("/Booking/postRoomAssignment", KEY, &assign).await;
    assert_eq!(status, 200);

    let (_, bookings) = h.get("/Booking/getBookings", &[("api_key", KEY)]).await;
    let stored = bookings["data"]
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["booking_id"] == booking["booking_id"])
        .expect("the booking")
        .clone();
    assert_eq!(stored["acknowledged"], true);
    let stored_item = &stored["booking_items"][0];
    assert_eq!(stored_item["ext_reservation_id"], "PMS-1");
    assert_eq!(stored_item["room_number"], "204");
    assert_eq!(stored_item["self_checkin_code"], "4711");

    let (status, body) = h
        .post("/Booking/ackBooking", KEY, &json!({"revision_id": 1}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "unknown revision_id 1");

    let external = json!({"sysres": "BOOKING", "external_property_id": "123456"});
    let (status, body) = h
        .post("/Property/postExternalPropertyData", KEY, &external)
        .await;
    assert_eq!((status, body), (200, Value::Null), "an empty body");
    assert_eq!(h.snapshot()["external_data"], json!([external]));
}

#[tokio::test]
async fn offers_are_priced_and_respect_availability() {
    let h = Harness::start().await;
    let snapshot = h.snapshot();
    let module = active_module(&snapshot);
    let rooms = room_ids(&snapshot);
    let arrival = day(&snapshot, 20);
    // Two rooms free on every night for every room type, then none for one.
    let values: Vec<Value> = rooms
        .iter()
        .flat_map(|room| {
            (20..23).map(move |d| (room, d))
        })
        .map(|(room, d)| json!({"date": day(&snapshot, d), "room_id": room, "qty": 5, "avail": 2, "is_opened": 1}))
        .chain(std::iter::once(json!({"date": day(&snapshot, 21), "room_id": rooms[0], "avail": 0})))
        .collect();
    let (status, _) = h
        .post(
            "/Availability/updateAvailability",
            KEY,
            &json!({"values": values}),
        )
        .await;
    assert_eq!(status, 200);

    let query = |currency: &'static str| {
        vec![
            ("api_key", KEY.to_owned()),
            ("bm_code", module.clone()),
            ("date_from", arrival.clone()),
            ("nights", "3".to_owned()),
            ("guests[0][adults]", "2".to_owned()),
            ("currency", currency.to_owned()),
        ]
    };
    let h = &h;
    let get = |q: Vec<(&'static str, String)>| async move {
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        h.get("/Property/getBookingOffers", &q).await
    };
    let (status, eur) = get(query("EUR")).await;
    assert_eq!(status, 200, "{eur}");
    let offers = eur["data"].as_array().expect("offers");
    assert!(!offers.is_empty());
    assert!(
        offers.iter().all(|o| o["room_id"] != rooms[0]),
        "room 0 is full one night"
    );
    for offer in offers {
        assert_eq!(offer["available_rooms"], 2);
        let per_night = offer["price_per_night"].as_f64().expect("price");
        let total = offer["total_price"].as_f64().expect("total");
        assert!((total - per_night * 3.0).abs() < 0.011, "{offer}");
    }
    let (_, usd) = get(query("USD")).await;
    let usd = usd["data"].as_array().expect("offers");
    assert_eq!(usd.len(), offers.len());
    assert!(usd.iter().all(|o| o["currency"] == "USD"));
    assert_ne!(usd[0]["total_price"], offers[0]["total_price"]);

    // Three rooms wanted, two free: no offer at all.
    let mut three = query("EUR");
    for n in 1..3 {
        let name: &'static str = if n == 1 {
            "guests[1][adults]"
        } else {
            "guests[2][adults]"
        };
        three.push((name, "1".to_owned()));
    }
    let (_, none) = get(three).await;
    assert_eq!(none["data"], json!([]));
}

#[tokio::test]
async fn the_same_seed_gives_the_same_property() {
    let a = Harness::with_seed(7).await;
    let b = Harness::with_seed(7).await;
    let c = Harness::with_seed(8).await;
    assert_eq!(a.snapshot(), b.snapshot());
    assert_ne!(a.snapshot()["settings"], c.snapshot()["settings"]);
}

#[tokio::test]
async fn two_keys_are_two_distinct_properties() {
    let h = Harness::start().await;
    h.sim.add_property(spec("other-key"));
    let one = h.snapshot();
    let two = h.sim.snapshot("other-key").expect("second property");
    let (p1, p2) = (&one["settings"]["property"], &two["settings"]["property"]);
    assert_ne!(p1["id"], p2["id"]);
    assert_ne!(p1["name"], p2["name"]);
    assert!(p1["name"].as_str().is_some_and(|n| n.starts_with("Hotel ")));
    let (r1, r2) = (room_ids(&one), room_ids(&two));
    assert!(r1.iter().all(|id| !r2.contains(id)));
    let (_, body) = h
        .get("/Booking/getBookings", &[("api_key", "other-key")])
        .await;
    assert_eq!(body["data"], two["bookings"]);
    let demo = h.sim.demo_property();
    assert_ne!(demo.api_key, KEY);
    assert!(h.sim.snapshot(&demo.api_key).is_some());
}

#[tokio::test]
async fn an_alias_key_answers_as_its_property() {
    let h = Harness::start().await;
    h.sim.add_property(spec("other-key"));
    assert!(h.sim.alias_key("alias-key", KEY));
    let (status, by_alias) = h
        .get("/Property/getRoomsDetails", &[("api_key", "alias-key")])
        .await;
    assert_eq!(status, 200);
    let (_, by_key) = h
        .get("/Property/getRoomsDetails", &[("api_key", KEY)])
        .await;
    assert_eq!(by_alias, by_key);
    // Neither a key in use nor a key without a property can be aliased.
    assert!(!h.sim.alias_key("other-key", KEY));
    assert!(!h.sim.alias_key("new-key", "no-such-key"));
    let (status, _) = h
        .get("/Property/getRoomsDetails", &[("api_key", "new-key")])
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn faults_apply_by_key_and_path_and_only_n_times() {
    let h = Harness::start().await;
    h.sim.add_property(spec("other-key"));
    h.sim.set_fault(Fault {
        api_key: Some(KEY.to_owned()),
        path: Some("/Booking/getBookings".to_owned()),
        status: Some(503),
        times: Some(2),
        ..Fault::default()
    });
    let bookings = [("api_key", KEY)];
    let (status, _) = h
        .get("/Booking/getBookings", &[("api_key", "other-key")])
        .await;
    assert_eq!(status, 200, "another key is not affected");
    let (status, _) = h.get("/Property/getRoomsDetails", &bookings).await;
    assert_eq!(status, 200, "another path is not affected");
    let (status, body) = h.get("/Booking/getBookings", &bookings).await;
    assert_eq!(status, 503);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("api_key=sim-test-key"),
        "the echo"
    );
    assert_eq!(h.get("/Booking/getBookings", &bookings).await.0, 503);
    assert_eq!(h.get("/Booking/getBookings", &bookings).await.0, 200);

    h.sim.set_fault(Fault {
        body: Some(FaultBody::Malformed),
        ..Fault::default()
    });
    let (status, body) = h.get("/Booking/getBookings", &bookings).await;
    assert_eq!(status, 200);
    assert!(body.is_string(), "not JSON: {body}");
    h.sim.clear_faults();
    h.sim.set_fault(Fault {
        status: Some(429),
        retry_after: Some(3),
        failure_rate: 0.0,
        ..Fault::default()
    });
    assert_eq!(
        h.get("/Booking/getBookings", &bookings).await.0,
        200,
        "rate 0 never fires"
    );
    h.sim.clear_faults();
    h.sim.set_fault(Fault {
        status: Some(429),
        retry_after: Some(3),
        ..Fault::default()
    });
    let url = format!("{}/Booking/getBookings?api_key={KEY}", h.sim.pms_base_url());
    let response = h.http.get(url).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
}

#[tokio::test]
async fn a_hang_ends_at_shutdown() {
    let h = Harness::start().await;
    h.sim.set_fault(Fault {
        hang: true,
        ..Fault::default()
    });
    let url = format!("{}/Booking/getBookings?api_key={KEY}", h.sim.pms_base_url());
    let pending = tokio::spawn(h.http.get(url).send());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!pending.is_finished());
    h.sim.shutdown().await;
    let answer = pending.await.expect("joined");
    assert!(answer.is_err() || answer.is_ok_and(|r| r.status() == 503));
}

#[tokio::test]
async fn comms_check_their_bearer_and_fill_the_outbox() {
    let h = Harness::start().await;
    let email = json!({"to": "guest@example.com", "subject": "Hi", "message": "<b>Welcome</b>", "html": true});
    let url = format!("{}/send_quendoo_email", h.sim.email_base_url());
    let send = |bearer: &str| h.http.post(&url).bearer_auth(bearer).json(&email).send();
    assert_eq!(send("wrong").await.expect("POST").status().as_u16(), 401);
    assert_eq!(
        send(&format!("{KEY}-automation"))
            .await
            .expect("POST")
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        send(&format!("{KEY}-email"))
            .await
            .expect("POST")
            .status()
            .as_u16(),
        200
    );

    let call =
        json!({"phone": "+359 88 123 4567", "message": "Your room is ready", "language": "en-US"});
    let url = format!("{}/make_call", h.sim.automation_base_url());
    let response = h
        .http
        .post(&url)
        .bearer_auth(format!("{KEY}-automation"))
        .json(&call)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let bad = json!({"phone": "call me", "message": "x", "language": "en-US"});
    let response = h
        .http
        .post(&url)
        .bearer_auth(format!("{KEY}-automation"))
        .json(&bad)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 422);

    let outbox = h.sim.outbox();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        (outbox[0].kind.as_str(), outbox[0].body.clone()),
        ("email", email)
    );
    assert_eq!(outbox[0].bearer, format!("{KEY}-email"));
    assert_eq!(
        (outbox[1].kind.as_str(), outbox[1].body.clone()),
        ("call", call)
    );
}

#[tokio::test]
async fn controls_are_served_under_sim() {
    let h = Harness::start().await;
    let base = format!("http://{}/__sim", h.sim.addr());
    let created: PropertySpec = h
        .http
        .post(format!("{base}/properties"))
        .json(&spec("http-key"))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("spec");
    assert_eq!(created, spec("http-key"));
    let demo: PropertySpec = h
        .http
        .post(format!("{base}/properties"))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("spec");
    let snapshot: Value = h
        .http
        .get(format!("{base}/properties/{}", demo.api_key))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(snapshot, h.sim.snapshot(&demo.api_key).expect("demo"));
    assert_eq!(
        h.http
            .get(format!("{base}/properties/unknown"))
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16(),
        404
    );

    let fault = json!({"status": 500, "times": 1});
    assert_eq!(
        h.http
            .post(format!("{base}/faults"))
            .json(&fault)
            .send()
            .await
            .expect("POST")
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        h.get("/Booking/getBookings", &[("api_key", "http-key")])
            .await
            .0,
        500
    );
    let requests: Vec<Value> = h
        .http
        .get(format!("{base}/requests"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(requests.len(), 1, "controls are not recorded");
    assert_eq!(requests[0]["path"], "/api/pms/v1/Booking/getBookings");
    assert_eq!(requests[0]["query"], json!([["api_key", "http-key"]]));
    assert_eq!(requests[0]["api_key"], "http-key");
    h.http
        .delete(format!("{base}/requests"))
        .send()
        .await
        .expect("DELETE");
    assert!(h.sim.requests().is_empty());
    let outbox: Vec<Value> = h
        .http
        .get(format!("{base}/outbox"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(outbox.is_empty());
}
