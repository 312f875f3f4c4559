//! The built-in OAuth authorization server end to end, over real HTTP, on
//! SQLite and PostgreSQL: the flow, every refusal the issue lists, tokens
//! stored only as hashes and never logged, and a flow finished across two
//! replicas. (The official Python SDK and a headless browser drive it in
//! `scripts/oauth_clients.sh`.)

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod flow;

use quendoo_mcp::{auth::password, domain::EmailAddress, storage::User};
use reqwest::StatusCode;
use serde_json::{Value, json};

use flow::{Flow, REDIRECT, mcp, param, redirect_query};
use support::{
    TestDb,
    app::{Hotel, TestApp},
};

const PASSWORD: &str = "reception-desk-2026";
const ADMIN_TOKEN: &str = "platform-admin-token-for-the-oauth-tests-0123";

/// A user of `hotel` who can sign in with `PASSWORD`.
async fn user(app: &TestApp, hotel: &Hotel, email: &str) -> User {
    let email: EmailAddress = email.parse().unwrap();
    let user = app
        .state
        .store
        .create_user(&hotel.tenant, &email)
        .await
        .unwrap();
    let hash = password::hash(PASSWORD).unwrap();
    app.state
        .store
        .set_password_hash(&user.id, &hash)
        .await
        .unwrap();
    user
}

fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

fn refresh_of(tokens: &Value) -> String {
    tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

on_both_backends!(|db| crate::support::app::TestApp::spawn(db).await;
    the_flow_works_and_refresh_tokens_rotate,
    pkce_redirects_and_resources_are_enforced,
    a_reused_code_revokes_what_it_issued,
    scopes_narrow_what_a_token_may_call,
    sign_in_refusals,
);

async fn the_flow_works_and_refresh_tokens_rotate(app: TestApp) {
    support::logs::capture();
    let hotel = app.hotel("Flow Hotel").await;
    user(&app, &hotel, "ana@flow.example").await;
    let mut flow = Flow::register(&app.base).await;
    let code = flow.code("ana@flow.example", PASSWORD).await;
    let (status, tokens) = flow.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "pms:read pms:write comms:send");

    let (status, _, answer) = mcp(app.addr, &access(&tokens), "tools/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["result"]["tools"].as_array().unwrap().len(), 15);
    // The token is for this server as the client named it: under another
    // of its names it is refused, though it was just accepted (and kept).
    let elsewhere = flow::http()
        .post(format!("http://{}/mcp", app.addr))
        .header("Host", format!("localhost:{}", app.addr.port()))
        .bearer_auth(access(&tokens))
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    app.sim.clear_requests();
    let (_, _, called) = mcp(
        app.addr,
        &access(&tokens),
        "tools/call",
        json!({"name": "get_bookings", "arguments": {"limit": 1}}),
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    assert!(
        app.sim
            .requests()
            .iter()
            .all(|r| r.api_key.as_deref() == Some(hotel.spec.api_key.as_str()))
    );

    // Rotation: a new pair each time; the old refresh token is spent.
    let first_refresh = refresh_of(&tokens);
    let (status, second) = flow.refresh(&first_refresh).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(refresh_of(&second), first_refresh);
    assert_ne!(access(&second), access(&tokens));
    // Presenting the spent one revokes the whole family.
    let (status, reused) = flow.refresh(&first_refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reused["error"], "invalid_grant");
    let (status, _) = flow.refresh(&refresh_of(&second)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the family is revoked");
    let (status, challenge, _) = mcp(app.addr, &access(&second), "tools/list", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.unwrap().contains("invalid_token"));

    // Only hashes are stored; nothing secret is logged.
    let stored = stored_secrets(&app).await;
    for secret in [code.as_str(), first_refresh.as_str(), &refresh_of(&second)] {
        assert!(
            !stored.iter().any(|s| s.contains(secret)),
            "a token is stored in clear"
        );
    }
    assert!(
        stored.iter().any(|s| s.starts_with("$argon2id$")),
        "{stored:?}"
    );
    support::logs::assert_none_of(&[
        PASSWORD,
        &code,
        &first_refresh,
        &access(&tokens),
        &access(&second),
    ]);
}

/// Every value in the OAuth tables and the users' password hashes.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let mut values = Vec::new();
    for query in [
        "SELECT code_hash AS v FROM oauth_codes",
        "SELECT token_hash AS v FROM oauth_refresh_tokens",
        "SELECT password_hash AS v FROM users WHERE password_hash IS NOT NULL",
    ] {
        for row in sqlx::query(query).fetch_all(&pool).await.unwrap() {
            values.push(row.get::<String, _>("v"));
        }
    }
    pool.close().await;
    values
}

async fn pkce_redirects_and_resources_are_enforced(app: TestApp) {
    let hotel = app.hotel("Strict Hotel").await;
    user(&app, &hotel, "bo@strict.example").await;
    let mut flow = Flow::register(&app.base).await;

    // Problems with the client or its redirect URI stay here (no redirect).
    for changes in [
        vec![("redirect_uri", Some("https://evil.example/callback"))],
        vec![("client_id", Some("never-registered"))],
        vec![("client_id", None)],
    ] {
        let response = flow.start(&changes).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{changes:?}");
        assert!(response.headers().get("location").is_none());
    }
    // A loopback redirect URI may change its port (RFC 8252).
    let other_port = REDIRECT.replace("43117", "50001");
    let response = flow.start(&[("redirect_uri", Some(&other_port))]).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Others go back to the client, with `state` and `iss`.
    for (changes, error) in [
        (vec![("code_challenge", None)], "invalid_request"),
        (
            vec![("code_challenge_method", Some("plain"))],
            "invalid_request",
        ),
        (vec![("code_challenge_method", None)], "invalid_request"),
        (
            vec![("response_type", Some("token"))],
            "unsupported_response_type",
        ),
        (vec![("scope", Some("pms:read admin"))], "invalid_scope"),
        (
            vec![("resource", Some("https://other.example/mcp"))],
            "invalid_target",
        ),
    ] {
        let response = flow.start(&changes).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{changes:?}");
        let query = redirect_query(&response);
        assert_eq!(
            param(&query, "error").as_deref(),
            Some(error),
            "{changes:?}"
        );
        assert_eq!(param(&query, "state").as_deref(), Some("st-123"));
        assert_eq!(param(&query, "iss"), Some(app.base.clone()));
    }

    // The code is bound to its verifier, redirect URI, client and resource.
    let code = flow.code("bo@strict.example", PASSWORD).await;
    let resource = flow.resource.clone();
    let base = |verifier: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", flow.client_id.as_str()),
            ("code_verifier", verifier),
        ]
    };
    let wrong_verifier = base("wrong-verifier-wrong-verifier-wrong-verifier-0000");
    let (status, answer) = flow.token(&wrong_verifier).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let mut other_resource = base("x");
    other_resource.push(("resource", "https://other.example/mcp"));
    let (status, answer) = flow.token(&other_resource).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_target"))
    );
    let (status, _) = flow
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &flow.client_id),
            ("code_verifier", &flow.verifier),
            ("resource", &resource),
        ])
        .await;
    // The failed attempts used the code up (single use): a fresh one works.
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let mut flow = Flow::register(&app.base).await;
    let code = flow.code("bo@strict.example", PASSWORD).await;
    let (status, tokens) = flow.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    // The token's audience is this server's MCP URL as reached: another
    // name for it (`localhost` instead of `127.0.0.1`) is another audience.
    let (status, _, _) = mcp(app.addr, &access(&tokens), "tools/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let response = flow::http()
        .post(format!("http://localhost:{}/mcp", app.addr.port()))
        .bearer_auth(access(&tokens))
        .header("Accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // An OAuth access token is not a dashboard token: the REST API refuses it.
    let response = flow::http()
        .post(app.url("/mcp/connect"))
        .bearer_auth(access(&tokens))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // An expired code is refused.
    let mut flow = Flow::register(&app.base).await;
    let code = flow.code("bo@strict.example", PASSWORD).await;
    expire_codes(&app).await;
    let (status, answer) = flow.exchange(&code).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

async fn expire_codes(app: &TestApp) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    sqlx::query("UPDATE oauth_codes SET expires_at = 0")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

async fn a_reused_code_revokes_what_it_issued(app: TestApp) {
    let hotel = app.hotel("Replay Hotel").await;
    user(&app, &hotel, "cy@replay.example").await;
    let mut flow = Flow::register(&app.base).await;
    let code = flow.code("cy@replay.example", PASSWORD).await;
    let (status, tokens) = flow.exchange(&code).await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = flow.exchange(&code).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _, _) = mcp(app.addr, &access(&tokens), "tools/list", json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the first exchange's token is revoked"
    );
    let (status, _) = flow.refresh(&refresh_of(&tokens)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn scopes_narrow_what_a_token_may_call(app: TestApp) {
    let (a, b) = (app.hotel("Hotel A").await, app.hotel("Hotel B").await);
    user(&app, &a, "reader@a.example").await;
    user(&app, &b, "writer@b.example").await;
    let mut flow = Flow::register(&app.base).await;
    flow.scope = "pms:read".into();
    let code = flow.code("reader@a.example", PASSWORD).await;
    let (_, tokens) = flow.exchange(&code).await;
    assert_eq!(tokens["scope"], "pms:read");
    let token = access(&tokens);

    let (_, _, listed) = mcp(app.addr, &token, "tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"get_bookings") && names.contains(&"get_availability"),
        "{names:?}"
    );
    for write in [
        "update_availability",
        "ack_booking",
        "send_quendoo_email",
        "make_call",
    ] {
        assert!(
            !names.contains(&write),
            "{write} listed for a read-only token"
        );
    }
    let (status, challenge, answer) = mcp(
        app.addr,
        &token,
        "tools/call",
        json!({"name": "update_availability", "arguments": {"values": []}}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let challenge = challenge.unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"pms:read pms:write\""),
        "{challenge}"
    );

    // The token acts for the user's own hotel, never another.
    app.sim.clear_requests();
    let (_, _, called) = mcp(
        app.addr,
        &token,
        "tools/call",
        json!({"name": "get_property_settings", "arguments": {}}),
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    let keys: Vec<_> = app
        .sim
        .requests()
        .into_iter()
        .filter_map(|r| r.api_key)
        .collect();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| *k == a.spec.api_key),
        "only hotel A's key"
    );

    // A disabled user's grant stops at once, and they cannot sign in.
    let reader = app
        .state
        .store
        .get_user_by_email(&"reader@a.example".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_user_disabled(&reader.id, true)
        .await
        .unwrap();
    let (status, _, _) = mcp(app.addr, &token, "tools/list", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut again = Flow::register(&app.base).await;
    let (_, page) = again.sign_in("reader@a.example", PASSWORD).await;
    assert!(
        page.contains("class=\"error\"") && !page.contains("/oauth/consent"),
        "{page}"
    );
}

async fn sign_in_refusals(app: TestApp) {
    let hotel = app.hotel("Guarded Hotel").await;
    user(&app, &hotel, "di@guarded.example").await;
    let mut flow = Flow::register(&app.base).await;

    // The same words for an unknown e-mail and a wrong password.
    let (_, unknown) = flow.sign_in("nobody@guarded.example", PASSWORD).await;
    let (_, wrong) = flow.sign_in("di@guarded.example", "not-the-password").await;
    let message = |page: &str| {
        page.split("class=\"error\"")
            .nth(1)
            .map(|rest| rest[..rest.find("</p>").unwrap()].to_owned())
    };
    assert!(message(&unknown).is_some());
    assert_eq!(message(&unknown), message(&wrong));

    // The form without its CSRF cookie, or with another token, is refused.
    let response = flow.start(&[]).await;
    let page = response.text().await.unwrap();
    let request = flow::hidden(&page, "request").unwrap();
    let csrf = flow::hidden(&page, "csrf").unwrap();
    let no_cookie = flow::form(
        flow::http().post(app.url("/oauth/authorize")),
        &[
            ("email", "di@guarded.example"),
            ("password", PASSWORD),
            ("request", &request),
            ("csrf", &csrf),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::BAD_REQUEST);
    let forged = flow
        .post_form(
            "/oauth/authorize",
            &[
                ("email", "di@guarded.example"),
                ("password", PASSWORD),
                ("request", &request),
                ("csrf", "forged-forged-forged-forged"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    // The pages cannot be framed.
    let page = flow.start(&[]).await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );

    // After five failures the account waits, even with the right password.
    for _ in 0..4 {
        flow.sign_in("di@guarded.example", "still-not-it").await;
    }
    let (status, page) = flow.sign_in("di@guarded.example", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
}

/// Two replicas on one PostgreSQL behind one public name: each step of one
/// flow on the other replica than the step before. A user disabled through
/// one is then refused at once by both (each keeps who is calling in
/// memory).
#[tokio::test]
async fn two_replicas_finish_one_flow() {
    let app = TestApp::spawn_with(TestDb::postgres().await, |serve| {
        serve.public_url = Some("https://mcp.hotel.test".into());
    })
    .await;
    let other = app.replica(|_| {}).await;
    let (a, b) = (app.base.clone(), format!("http://{}", other.addr));
    let hotel = app.hotel("Shared Hotel").await;
    let ed = user(&app, &hotel, "ed@shared.example").await;
    let mut flow = Flow::register(&a).await;
    flow.resource = "https://mcp.hotel.test/mcp".into();
    let response = flow.start(&[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    flow.take_page(response).await;
    flow.base = b.clone();
    let (status, page) = flow.submit_sign_in("ed@shared.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/oauth/consent"), "{page}");
    flow.base = a.clone();
    let query = flow.decide("allow").await;
    assert_eq!(
        param(&query, "iss").as_deref(),
        Some("https://mcp.hotel.test")
    );
    let code = param(&query, "code").unwrap();
    flow.base = b.clone();
    let (status, tokens) = flow.exchange(&code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    flow.base = a.clone();
    let (status, refreshed) = flow.refresh(&refresh_of(&tokens)).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    for addr in [app.addr, other.addr] {
        let (status, _, answer) = mcp(addr, &access(&refreshed), "tools/list", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    app.state
        .store
        .set_user_disabled(&ed.id, true)
        .await
        .unwrap();
    for addr in [other.addr, app.addr] {
        let (status, _, _) = mcp(addr, &access(&refreshed), "tools/list", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    other.shut_down().await.unwrap();
}

/// Browser-based clients: the public OAuth endpoints answer any origin; the
/// sign-in pages and `/mcp` keep the Origin rules, and `/mcp` answers an
/// allowed origin's preflight and lets it read its challenge and session
/// header.
#[tokio::test]
async fn cors_for_browser_clients() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let http = flow::http();
    for path in [
        "/oauth/token",
        "/oauth/register",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let preflight = http
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("Origin", "https://inspector.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), StatusCode::OK, "{path}");
        assert_eq!(
            preflight.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
    let metadata = http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .header("Origin", "https://inspector.example")
        .send()
        .await
        .unwrap();
    assert_eq!(metadata.headers()["access-control-allow-origin"], "*");
    let page = http
        .get(app.url("/oauth/authorize"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    // A preflight carries no token: CORS answers it before the caller check.
    let preflight = http
        .request(reqwest::Method::OPTIONS, app.url("/mcp"))
        .header("Origin", "http://localhost:6274")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, mcp-protocol-version",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:6274"
    );
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("mcp-protocol-version"), "{allowed}");
    let refused = http
        .post(app.url("/mcp"))
        .header("Origin", "http://localhost:6274")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let exposed = refused.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("www-authenticate") && exposed.contains("mcp-session-id"),
        "{exposed}"
    );
}

/// A new password ends what was granted with the old one; an access token
/// is never a dashboard token, on `/admin/api-keys` either.
#[tokio::test]
async fn a_new_password_ends_the_grants() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.admin_token = Some(ADMIN_TOKEN.into());
    })
    .await;
    let hotel = app.hotel("Password Hotel").await;
    let ana = user(&app, &hotel, "ana@password.example").await;
    let mut flow = Flow::register(&app.base).await;
    let code = flow.code("ana@password.example", PASSWORD).await;
    let (_, tokens) = flow.exchange(&code).await;
    let keys = flow::http()
        .get(app.url("/admin/api-keys"))
        .bearer_auth(access(&tokens))
        .send()
        .await
        .unwrap();
    assert_eq!(keys.status(), StatusCode::UNAUTHORIZED);

    let set = flow::http()
        .post(app.url(&format!("/admin/users/{}/password", ana.id)))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"password": "a-brand-new-password-2027"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let (status, _, _) = mcp(app.addr, &access(&tokens), "tools/list", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = flow.refresh(&refresh_of(&tokens)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut again = Flow::register(&app.base).await;
    again
        .code("ana@password.example", "a-brand-new-password-2027")
        .await;
}
