//! Every error of the dashboard API, each a `{"detail"}` with its status.

use std::time::Duration;

use quendoo_mcp::config::ServeArgs;
use quendoo_sim::Fault;
use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::{Api, app::TestApp, detail};

on_both_backends!(|db| crate::spawn(db, super::short_upstream_timeout).await;
    connect_refuses_missing_bad_and_unknown_tokens,
    execute_errors_have_the_right_status,
    upstream_failures_are_502_and_timeouts_504,
    a_token_of_another_tenant_is_forbidden,
    malformed_bodies_are_refused_in_the_seeds_shape,
);

fn short_upstream_timeout(serve: &mut ServeArgs) {
    serve.quendoo_request_timeout = Duration::from_secs(1);
}

async fn connect_refuses_missing_bad_and_unknown_tokens(app: TestApp) {
    let api = Api::of(&app);
    let none = api.call(Method::POST, "/mcp/connect", None, None).await;
    detail(&none, StatusCode::UNAUTHORIZED);
    let bad = api
        .call(Method::POST, "/mcp/connect", Some("not-a-token"), None)
        .await;
    detail(&bad, StatusCode::UNAUTHORIZED);
    let ghost = app.token_for(&"no-such-hotel".parse().unwrap());
    let unknown = api
        .call(Method::POST, "/mcp/connect", Some(&ghost), None)
        .await;
    detail(&unknown, StatusCode::NOT_FOUND);
}

async fn execute_errors_have_the_right_status(app: TestApp) {
    let hotel = app.hotel("Errors").await;
    let api = Api::of(&app);
    let connection = api.connect(&hotel.token).await;
    let never_issued = uuid::Uuid::new_v4().to_string();
    for id in [never_issued.as_str(), "not-a-uuid"] {
        detail(
            &api.execute(id, "get_bookings", json!({})).await,
            StatusCode::UNAUTHORIZED,
        );
    }
    let unknown = detail(
        &api.execute(&connection, "drop_database", json!({})).await,
        StatusCode::NOT_FOUND,
    );
    assert!(unknown.contains("drop_database"), "{unknown}");
    let invalid = detail(
        &api.execute(&connection, "get_bookings", json!({"limit": "many"}))
            .await,
        StatusCode::BAD_REQUEST,
    );
    assert!(invalid.contains("Invalid arguments"), "{invalid}");

    let keyless = app.hotel_without_keys("No keys").await;
    let bare = api.connect(&keyless.token).await;
    let missing = detail(
        &api.execute(&bare, "get_bookings", json!({})).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(missing.contains("QUENDOO_API_KEY"), "{missing}");
    api.assert_no_secret_of(&hotel);
}

async fn upstream_failures_are_502_and_timeouts_504(app: TestApp) {
    let hotel = app.hotel("Upstream").await;
    let api = Api::of(&app);
    let connection = api.connect(&hotel.token).await;
    for (fault, status) in [
        (
            Fault {
                status: Some(503),
                ..Fault::default()
            },
            StatusCode::BAD_GATEWAY,
        ),
        (
            Fault {
                status: Some(401),
                ..Fault::default()
            },
            StatusCode::BAD_GATEWAY,
        ),
        (
            Fault {
                hang: true,
                ..Fault::default()
            },
            StatusCode::GATEWAY_TIMEOUT,
        ),
    ] {
        app.sim.clear_faults();
        app.sim.set_fault(Fault {
            api_key: Some(hotel.spec.api_key.clone()),
            ..fault
        });
        let reply = api.execute(&connection, "get_bookings", json!({})).await;
        detail(&reply, status);
    }
    app.sim.clear_faults();
    api.assert_no_secret_of(&hotel);
}

async fn a_token_of_another_tenant_is_forbidden(app: TestApp) {
    let owner = app.hotel("Owner").await;
    let other = app.hotel("Other").await;
    let api = Api::of(&app);
    let connection = api.connect(&owner.token).await;
    let body = json!({"connection_id": connection, "tool_name": "get_bookings", "tool_args": {}});
    let stolen = api
        .call(
            Method::POST,
            "/mcp/tools/execute",
            Some(&other.token),
            Some(body.clone()),
        )
        .await;
    detail(&stolen, StatusCode::FORBIDDEN);
    let closing = api
        .call(
            Method::POST,
            "/mcp/disconnect",
            Some(&other.token),
            Some(json!({"connection_id": connection})),
        )
        .await;
    detail(&closing, StatusCode::FORBIDDEN);
    let bad_token = api
        .call(
            Method::POST,
            "/mcp/tools/execute",
            Some("forged"),
            Some(body.clone()),
        )
        .await;
    detail(&bad_token, StatusCode::UNAUTHORIZED);
    // The owner's own token is welcome, and the connection still works.
    let own = api
        .call(
            Method::POST,
            "/mcp/tools/execute",
            Some(&owner.token),
            Some(body),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let requests = app.sim.requests();
    assert!(
        requests
            .iter()
            .all(|r| !format!("{r:?}").contains(&other.spec.api_key)),
        "the other hotel's key was never used"
    );
}

async fn malformed_bodies_are_refused_in_the_seeds_shape(app: TestApp) {
    let api = Api::of(&app);
    let execute = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = api.request(Method::POST, "/mcp/tools/execute").body(body);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        api.send(request)
    };
    detail(
        &execute("{not json", Some("application/json")).await,
        StatusCode::BAD_REQUEST,
    );
    detail(
        &execute(r#"{"connection_id": "x"}"#, None).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    );
    let shape = detail(
        &execute(r#"{"connection_id": "x"}"#, Some("application/json")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert!(shape.contains("missing field `tool_name`"), "{shape}");
    let array = detail(
        &execute("[]", Some("application/json")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert!(
        !array.contains("struct") && array.contains("/openapi.json"),
        "{array}"
    );
    let huge = json!({"connection_id": "x", "tool_name": "t", "tool_args": {"pad": "x".repeat(2 * 1024 * 1024)}});
    let reply = api
        .call(Method::POST, "/mcp/tools/execute", None, Some(huge))
        .await;
    detail(&reply, StatusCode::PAYLOAD_TOO_LARGE);
}

mod idle {
    use std::time::Duration;

    use quendoo_mcp::config::ServeArgs;
    use reqwest::{Method, StatusCode};
    use serde_json::json;

    use crate::{Api, app::TestApp, detail};

    on_both_backends!(|db| crate::spawn(db, super::short_idle_ttl).await; idle_connections_expire);

    fn short_idle_ttl(serve: &mut ServeArgs) {
        serve.connection_idle_ttl = Duration::from_secs(1);
    }

    async fn idle_connections_expire(app: TestApp) {
        let hotel = app.hotel("Idle").await;
        let api = Api::of(&app);
        let connection = api.connect(&hotel.token).await;
        let fresh = api
            .execute(&connection, "get_rooms_details", json!({}))
            .await;
        assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let stale = detail(
            &api.execute(&connection, "get_rooms_details", json!({}))
                .await,
            StatusCode::UNAUTHORIZED,
        );
        assert!(stale.contains("expired"), "{stale}");
        let health = api.call(Method::GET, "/health", None, None).await;
        assert_eq!(health.body["active_connections"], 0);
    }
}

mod rate {
    use super::*;

    on_both_backends!(|db| crate::spawn(db, super::two_a_minute).await;
        a_hotel_past_its_rate_gets_429_with_retry_after,
    );

    fn two_a_minute(serve: &mut ServeArgs) {
        serve.tenant_calls_per_minute = 2;
    }

    /// Past TENANT_CALLS_PER_MINUTE a call is refused before anything runs,
    /// with `Retry-After` and `retry_after_s` (one call's share of the minute).
    async fn a_hotel_past_its_rate_gets_429_with_retry_after(app: TestApp) {
        let hotel = app.hotel("Busy").await;
        let api = Api::of(&app);
        let connection = api.connect(&hotel.token).await;
        for _ in 0..2 {
            let reply = api.execute(&connection, "get_bookings", json!({})).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
        app.sim.clear_requests();
        let refused = api.execute(&connection, "get_bookings", json!({})).await;
        let text = detail(&refused, StatusCode::TOO_MANY_REQUESTS);
        assert!(text.contains("TENANT_CALLS_PER_MINUTE"), "{text}");
        let seconds: u64 = refused.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((29..=30).contains(&seconds), "{seconds}");
        assert_eq!(refused.body["retry_after_s"], json!(seconds));
        assert!(app.sim.requests().is_empty(), "nothing reached Quendoo");
    }
}
