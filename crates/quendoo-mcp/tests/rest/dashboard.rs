//! The seed's "Connect from Dashboard" flow: connect, run every tool,
//! disconnect; and connections shared by two server processes on one database.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{Api, app::TestApp, detail};

on_both_backends!(|db| crate::spawn(db, super::defaults).await;
    dashboard_flow_runs_every_tool,
    disconnect_takes_the_seeds_query_form,
    root_lists_the_endpoints,
);

fn defaults(_: &mut quendoo_mcp::config::ServeArgs) {}

/// The result of a successful execute, in the seed's shape.
async fn run(api: &Api, connection: &str, tool: &str, args: Value) -> Value {
    let reply = api.execute(connection, tool, args).await;
    assert_eq!(reply.status, StatusCode::OK, "{tool}: {}", reply.body);
    assert_eq!(reply.body["status"], "success");
    assert_eq!(reply.body["tool_name"], tool);
    reply.body["result"].clone()
}

async fn dashboard_flow_runs_every_tool(app: TestApp) {
    let hotel = app.hotel("Dashboard").await;
    app.direct_writes(&hotel).await;
    let api = Api::of(&app);
    let reply = api
        .call(Method::POST, "/mcp/connect", Some(&hotel.token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["tenant_id"], hotel.tenant.as_str());
    assert_eq!(reply.body["message"], "Connection registered successfully");
    let connection = reply.body["connection_id"].as_str().unwrap().to_owned();

    let snapshot = app.sim.snapshot(&hotel.spec.api_key).unwrap();
    let settings = run(&api, &connection, "get_property_settings", json!({})).await;
    assert_eq!(
        settings["data"]["property"],
        snapshot["settings"]["property"]
    );
    let rooms = run(&api, &connection, "get_rooms_details", json!({})).await;
    let room_id = rooms["data"][0]["id"].as_i64().unwrap();
    let from = Utc::now().date_naive() + Duration::days(10);
    let to = from + Duration::days(2);
    let range = json!({"date_from": from.to_string(), "date_to": to.to_string(), "sysres": "qdo"});
    run(&api, &connection, "get_availability", range.clone()).await;
    let update = json!({"values": [{"date": from.to_string(), "room_id": room_id, "avail": 1, "is_opened": 1}]});
    run(&api, &connection, "update_availability", update).await;
    let after = run(&api, &connection, "get_availability", range).await;
    assert_eq!(
        after["availability"][0]["qty"], 1,
        "the write reached the PMS"
    );
    let bookings = run(&api, &connection, "get_bookings", json!({"limit": 5})).await;
    let booking = bookings["data"][0].clone();
    let offers = json!({"date_from": from.to_string(), "nights": 2, "guests": [{"adults": 2}]});
    run(&api, &connection, "get_booking_offers", offers).await;
    let item = booking["booking_items"][0]["booking_item_id"].clone();
    let ack = json!({"revision_id": booking["revision_id"], "booking_items": [{"booking_item_id": item, "ext_reservation_id": "PMS-1"}]});
    run(&api, &connection, "ack_booking", ack).await;
    let assign = json!({"items": [{"booking_item_id": item, "room_number": "204"}]});
    run(&api, &connection, "post_room_assignment", assign).await;
    let external = json!({"data": {"sysres": "BOOKING", "external_property_id": "123456"}});
    run(&api, &connection, "post_external_property_data", external).await;
    let email = json!({"to": "guest@example.com", "subject": "Welcome", "message": "See you soon"});
    run(&api, &connection, "send_quendoo_email", email).await;
    let call =
        json!({"phone": "+359888123456", "message": "Your room is ready", "language": "en-US"});
    run(&api, &connection, "make_call", call).await;
    let calls_made = 12;

    let id = connection.parse().unwrap();
    let stored = app
        .state
        .store
        .get_connection(&id, app.state.config.connection_idle_ttl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.tool_calls, calls_made,
        "every call is counted on the connection"
    );
    let health = api.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.body["active_connections"], 1);

    let reply = api
        .call(
            Method::POST,
            "/mcp/disconnect",
            None,
            Some(json!({"connection_id": connection})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"status": "disconnected"}));
    let after = api.execute(&connection, "get_bookings", json!({})).await;
    let text = detail(&after, StatusCode::UNAUTHORIZED);
    assert!(text.contains("/mcp/connect"), "{text}");
    api.assert_no_secret_of(&hotel);
}

async fn disconnect_takes_the_seeds_query_form(app: TestApp) {
    let hotel = app.hotel("Query form").await;
    let api = Api::of(&app);
    let connection = api.connect(&hotel.token).await;
    let path = format!("/mcp/disconnect?connection_id={connection}");
    let reply = api.call(Method::POST, &path, None, None).await;
    assert_eq!(reply.body, json!({"status": "disconnected"}));
    let after = api.execute(&connection, "get_bookings", json!({})).await;
    detail(&after, StatusCode::UNAUTHORIZED);
    // Gone is gone: a second disconnect, or an id never issued, succeeds too.
    let again = api.call(Method::POST, &path, None, None).await;
    assert_eq!(again.status, StatusCode::OK);
    let missing = api
        .call(Method::POST, "/mcp/disconnect", None, Some(json!({})))
        .await;
    detail(&missing, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn root_lists_the_endpoints(app: TestApp) {
    let api = Api::of(&app);
    let reply = api.call(Method::GET, "/", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["service"], "Quendoo MCP Server");
    assert_eq!(reply.body["status"], "running");
    assert_eq!(reply.body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(reply.body["endpoints"]["connect"], "POST /mcp/connect");
    assert_eq!(reply.body["endpoints"]["tools"], "POST /mcp/tools/execute");
}

/// Two real `quendoo-mcp serve` processes on one PostgreSQL database, set up
/// with the admin CLI like an operator would: a connection registered through
/// one process is used and closed through the other.
#[tokio::test]
async fn a_connection_made_through_one_process_works_through_another() {
    let db = crate::support::TestDb::postgres().await;
    let sim = quendoo_sim::RunningSim::start(Default::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let property = sim.demo_property();
    let encryption_key = quendoo_mcp::crypto::EncryptionKey::generate()
        .unwrap()
        .to_base64();
    let work = tempfile::tempdir().unwrap();
    let env = [
        ("DATABASE_URL", db.url.clone()),
        (
            "ENCRYPTION_KEY",
            secrecy::ExposeSecret::expose_secret(&encryption_key).to_owned(),
        ),
        ("JWT_SECRET", crate::app::JWT_SECRET.to_owned()),
        ("QUENDOO_BASE_URL", sim.pms_base_url()),
    ];
    let cli = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_quendoo-mcp"))
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(work.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    cli(
        &[
            "tenant",
            "create",
            "--name",
            "Two processes",
            "--id",
            "two-procs",
        ],
        "",
    );
    cli(
        &[
            "api-key",
            "set",
            "--tenant",
            "two-procs",
            "--name",
            "QUENDOO_API_KEY",
        ],
        &property.api_key,
    );
    let token = cli(&["token", "--tenant", "two-procs"], "");

    let serve = || async {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_quendoo-mcp"))
            .args(["serve", "--port", "0"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("RUST_LOG", "info")
            .current_dir(work.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap());
        let base = loop {
            let mut line = String::new();
            let read = tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line)
                .await
                .unwrap();
            assert!(read > 0, "the server exited before it listened");
            if let Some(rest) = line.split("address=").nth(1) {
                break format!("http://{}", rest.split_whitespace().next().unwrap());
            }
        };
        // Keep reading, so that a full pipe never blocks the server.
        tokio::spawn(async move {
            let mut sink = tokio::io::sink();
            tokio::io::copy(&mut lines, &mut sink).await
        });
        (child, base)
    };
    let ((_first_process, first), (_second_process, second)) = (serve().await, serve().await);
    assert_ne!(first, second);
    let (first, second) = (Api::new(&first), Api::new(&second));

    let connection = first.connect(&token).await;
    let page = run(&second, &connection, "get_bookings", json!({"limit": 1})).await;
    let held = sim.snapshot(&property.api_key).unwrap();
    assert_eq!(page["total"], held["bookings"].as_array().unwrap().len());
    run(&first, &connection, "get_rooms_details", json!({})).await;
    let stored = db
        .store()
        .await
        .get_connection(
            &connection.parse().unwrap(),
            std::time::Duration::from_secs(3600),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.tool_calls, 2, "both processes counted their use");
    let reply = second
        .call(
            Method::POST,
            "/mcp/disconnect",
            None,
            Some(json!({"connection_id": connection})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    detail(
        &first.execute(&connection, "get_bookings", json!({})).await,
        StatusCode::UNAUTHORIZED,
    );
}
