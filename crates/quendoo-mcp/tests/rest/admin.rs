//! The admin API: a hotel's own keys, isolation between hotels, platform
//! administration, and the OpenAPI document.

use chrono::Utc;
use jsonwebtoken::{EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    Api,
    app::{JWT_SECRET, TestApp},
    detail,
};

const ADMIN_TOKEN: &str = "static-admin-token-of-at-least-32-bytes";

on_both_backends!(|db| crate::spawn(db, super::with_admin_token).await;
    a_hotel_manages_its_own_keys,
    hotels_cannot_touch_each_others_keys_or_connections,
    platform_admin_manages_tenants_and_users,
    the_platform_sets_a_hotels_policy_and_the_hotel_reads_it,
    every_documented_path_answers,
);

fn with_admin_token(serve: &mut quendoo_mcp::config::ServeArgs) {
    serve.admin_token = Some(ADMIN_TOKEN.into());
}

fn key_names(reply: &crate::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_hotel_manages_its_own_keys(app: TestApp) {
    let hotel = app.hotel_without_keys("Keys").await;
    let api = Api::of(&app);
    let token = Some(hotel.token.as_str());
    let save = |name: &str, value: &str, verify: bool| json!({"key_name": name, "key_value": value, "verify": verify});

    let wrong = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("QUENDOO_API_KEY", "pms-wrong", true)),
        )
        .await;
    let text = detail(&wrong, StatusCode::BAD_REQUEST);
    assert!(text.contains("rejected"), "{text}");
    assert!(
        key_names(&api.call(Method::GET, "/admin/api-keys", token, None).await).is_empty(),
        "a rejected key is not saved"
    );

    let right = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("QUENDOO_API_KEY", &hotel.spec.api_key, true)),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(right.body["status"], "success");
    assert_eq!(right.body["verified"], true);
    let email = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("EMAIL_API_KEY", &hotel.spec.email_bearer, false)),
        )
        .await;
    assert_eq!(email.status, StatusCode::OK, "{}", email.body);
    let listed = api.call(Method::GET, "/admin/api-keys", token, None).await;
    let mut names = key_names(&listed);
    names.sort();
    assert_eq!(names, ["EMAIL_API_KEY", "QUENDOO_API_KEY"]);
    for key in listed.body["keys"].as_array().unwrap() {
        assert_eq!(key["is_active"], true);
        assert!(key["created_at"].is_string() && key["updated_at"].is_string());
    }

    // The saved key works for tools.
    let connection = api.connect(&hotel.token).await;
    let reply = api
        .execute(&connection, "get_bookings", json!({"limit": 1}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let unknown = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("AWS_SECRET", "x", false)),
        )
        .await;
    detail(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    let empty = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("EMAIL_API_KEY", "  ", false)),
        )
        .await;
    detail(&empty, StatusCode::BAD_REQUEST);
    let unverifiable = api
        .call(
            Method::POST,
            "/admin/api-keys",
            token,
            Some(save("EMAIL_API_KEY", "x", true)),
        )
        .await;
    detail(&unverifiable, StatusCode::BAD_REQUEST);
    let in_url = api
        .call(
            Method::POST,
            "/admin/api-keys?key_name=EMAIL_API_KEY&key_value=leaked",
            token,
            Some(save("EMAIL_API_KEY", "leaked", false)),
        )
        .await;
    assert!(detail(&in_url, StatusCode::BAD_REQUEST).contains("never in the URL"));
    let anonymous = api.call(Method::GET, "/admin/api-keys", None, None).await;
    detail(&anonymous, StatusCode::UNAUTHORIZED);

    let deleted = api
        .call(Method::DELETE, "/admin/api-keys/EMAIL_API_KEY", token, None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let again = api
        .call(Method::DELETE, "/admin/api-keys/EMAIL_API_KEY", token, None)
        .await;
    detail(&again, StatusCode::NOT_FOUND);
    let bad_name = api
        .call(Method::DELETE, "/admin/api-keys/AWS_SECRET", token, None)
        .await;
    detail(&bad_name, StatusCode::BAD_REQUEST);
    // As the seed lists them: active keys only, the deleted one gone.
    let listed = api.call(Method::GET, "/admin/api-keys", token, None).await;
    let keys = listed.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{}", listed.body);
    assert_eq!(keys[0]["key_name"], "QUENDOO_API_KEY");
    assert_eq!(keys[0]["is_active"], true);
    api.assert_no_secret_of(&hotel);
}

async fn hotels_cannot_touch_each_others_keys_or_connections(app: TestApp) {
    let a = app.hotel("Hotel A").await;
    let b = app.hotel_without_keys("Hotel B").await;
    let api = Api::of(&app);
    // B sees only its own (empty) list, and deleting "its" key touches nothing of A's.
    assert!(
        key_names(
            &api.call(Method::GET, "/admin/api-keys", Some(&b.token), None)
                .await
        )
        .is_empty()
    );
    let deleted = api
        .call(
            Method::DELETE,
            "/admin/api-keys/QUENDOO_API_KEY",
            Some(&b.token),
            None,
        )
        .await;
    detail(&deleted, StatusCode::NOT_FOUND);
    // B's save lands on B, never on A.
    let saved = api
        .call(
            Method::POST,
            "/admin/api-keys",
            Some(&b.token),
            Some(json!({"key_name": "QUENDOO_API_KEY", "key_value": b.spec.api_key})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(
        key_names(
            &api.call(Method::GET, "/admin/api-keys", Some(&a.token), None)
                .await
        )
        .len(),
        3
    );
    let a_key = app
        .state
        .secrets
        .get(&a.tenant, "QUENDOO_API_KEY".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&a_key), a.spec.api_key);

    // A's connection with B's token: forbidden; B's own connection runs as B.
    let a_connection = api.connect(&a.token).await;
    let body = json!({"connection_id": a_connection, "tool_name": "get_property_settings", "tool_args": {}});
    detail(
        &api.call(
            Method::POST,
            "/mcp/tools/execute",
            Some(&b.token),
            Some(body),
        )
        .await,
        StatusCode::FORBIDDEN,
    );
    let b_connection = api.connect(&b.token).await;
    app.sim.clear_requests();
    let reply = api
        .execute(&b_connection, "get_property_settings", json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let used: Vec<String> = app
        .sim
        .requests()
        .iter()
        .flat_map(|r| {
            r.query
                .iter()
                .filter(|(k, _)| k == "api_key")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert!(
        !used.is_empty() && used.iter().all(|k| *k == b.spec.api_key),
        "B's connection used B's key only"
    );
    // A tenant token is no admin token.
    detail(
        &api.call(Method::GET, "/admin/tenants", Some(&a.token), None)
            .await,
        StatusCode::FORBIDDEN,
    );
    api.assert_no_secret_of(&a);
    api.assert_no_secret_of(&b);
}

fn admin_jwt(claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn platform_admin_manages_tenants_and_users(app: TestApp) {
    let api = Api::of(&app);
    let exp = Utc::now().timestamp() + 600;
    let jwt = admin_jwt(json!({"role": "admin", "exp": exp}));
    let hotel_admin = admin_jwt(json!({"role": "admin", "tenantId": "x", "exp": exp}));
    detail(
        &api.call(Method::GET, "/admin/tenants", None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    detail(
        &api.call(
            Method::GET,
            "/admin/tenants",
            Some("wrong-admin-token-wrong-admin-token"),
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
    );
    detail(
        &api.call(Method::GET, "/admin/tenants", Some(&hotel_admin), None)
            .await,
        StatusCode::FORBIDDEN,
    );

    // Names are bounded and printable, on both backends (a NUL was a 500 on
    // PostgreSQL).
    for bad in ["a\u{0}b".to_owned(), "x".repeat(500_000), "   ".to_owned()] {
        detail(
            &api.call(
                Method::POST,
                "/admin/tenants",
                Some(ADMIN_TOKEN),
                Some(json!({"name": bad})),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let created = api
        .call(
            Method::POST,
            "/admin/tenants",
            Some(ADMIN_TOKEN),
            Some(json!({"name": "Grand", "id": "grand"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["id"], "grand");
    let twice = api
        .call(
            Method::POST,
            "/admin/tenants",
            Some(&jwt),
            Some(json!({"name": "Grand", "id": "grand"})),
        )
        .await;
    detail(&twice, StatusCode::CONFLICT);
    let nameless = api
        .call(
            Method::POST,
            "/admin/tenants",
            Some(&jwt),
            Some(json!({"name": " "})),
        )
        .await;
    detail(&nameless, StatusCode::UNPROCESSABLE_ENTITY);
    let fresh = api
        .call(
            Method::POST,
            "/admin/tenants",
            Some(&jwt),
            Some(json!({"name": "Fresh"})),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    let listed = api
        .call(Method::GET, "/admin/tenants", Some(&jwt), None)
        .await;
    assert_eq!(
        listed.body["tenants"].as_array().unwrap().len(),
        2,
        "{}",
        listed.body
    );

    let user = api
        .call(
            Method::POST,
            "/admin/users",
            Some(&jwt),
            Some(json!({"email": "Ana@Grand.example", "tenant_id": "grand"})),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    assert_eq!(user.body["email"], "ana@grand.example");
    let dup = api
        .call(
            Method::POST,
            "/admin/users",
            Some(&jwt),
            Some(json!({"email": "ana@grand.example", "tenant_id": "grand"})),
        )
        .await;
    detail(&dup, StatusCode::CONFLICT);
    let orphan = api
        .call(
            Method::POST,
            "/admin/users",
            Some(&jwt),
            Some(json!({"email": "b@x.example", "tenant_id": "nowhere"})),
        )
        .await;
    detail(&orphan, StatusCode::NOT_FOUND);
    let bad_email = api
        .call(
            Method::POST,
            "/admin/users",
            Some(&jwt),
            Some(json!({"email": "nope", "tenant_id": "grand"})),
        )
        .await;
    detail(&bad_email, StatusCode::UNPROCESSABLE_ENTITY);
    let users = api
        .call(
            Method::GET,
            "/admin/users?tenant_id=grand",
            Some(&jwt),
            None,
        )
        .await;
    assert_eq!(
        users.body["users"].as_array().unwrap().len(),
        1,
        "{}",
        users.body
    );

    let token = app.token_for(&"grand".parse().unwrap());
    api.connect(&token).await;
    let gone = api
        .call(Method::DELETE, "/admin/tenants/grand", Some(&jwt), None)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    detail(
        &api.call(Method::DELETE, "/admin/tenants/grand", Some(&jwt), None)
            .await,
        StatusCode::NOT_FOUND,
    );
    detail(
        &api.call(Method::POST, "/mcp/connect", Some(&token), None)
            .await,
        StatusCode::NOT_FOUND,
    );
}

async fn the_platform_sets_a_hotels_policy_and_the_hotel_reads_it(app: TestApp) {
    let a = app.hotel_without_keys("Policy A").await;
    let b = app.hotel_without_keys("Policy B").await;
    let api = Api::of(&app);
    let admin = Some(ADMIN_TOKEN);
    let path = format!("/admin/tenants/{}/policy", a.tenant);
    let put = |body: Value| api.call(Method::PUT, &path, admin, Some(body));
    let defaults = json!({"toolsets": ["property", "availability", "bookings", "offers", "comms"],
        "read_only": false, "pms_writes": "confirm", "comms": "confirm"});

    let read = api.call(Method::GET, &path, admin, None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body, defaults);

    // Each change keeps what it does not name.
    let first = put(json!({"toolsets": "bookings, offers", "pms_writes": "direct"})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = put(json!({"read_only": true})).await;
    let expected = json!({"toolsets": ["bookings", "offers"], "read_only": true,
        "pms_writes": "direct", "comms": "confirm"});
    assert_eq!(second.body, expected);
    let third = put(json!({"comms": "direct"})).await;
    assert_eq!(third.body["read_only"], true, "{}", third.body);
    assert_eq!(third.body["comms"], "direct");
    assert_eq!(put(json!({"comms": "confirm"})).await.body, expected);
    assert_eq!(
        put(json!({})).await.body,
        expected,
        "an empty change changes nothing"
    );
    let listed = put(json!({"toolsets": ["comms", "all"], "read_only": false})).await;
    assert_eq!(listed.body["toolsets"], defaults["toolsets"]);
    let set = put(json!({"toolsets": ["bookings", "offers"], "read_only": true})).await;
    assert_eq!(set.body, expected);
    assert_eq!(
        api.call(Method::GET, &path, admin, None).await.body,
        expected
    );

    // Bad values: a sentence naming the field and what it takes; nothing changes.
    for (body, says) in [
        (
            json!({"toolsets": "bookings,spa"}),
            "toolsets: unknown toolset `spa`",
        ),
        (
            json!({"toolsets": []}),
            "toolsets: name at least one toolset",
        ),
        (
            json!({"toolsets": 5}),
            "toolsets: a list of names or one comma-separated string",
        ),
        (json!({"read_only": "yes"}), "read_only: true or false"),
        (
            json!({"pms_writes": "later"}),
            "pms_writes: unknown write mode `later` (confirm or direct)",
        ),
        (json!({"comms": null}), "comms: confirm or direct"),
        (
            json!({"comms": "direct", "readonly": true}),
            "unknown field `readonly`",
        ),
    ] {
        let text = detail(&put(body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text.contains(says), "{body}: {text}");
    }
    let not_an_object = api
        .call(Method::PUT, &path, admin, Some(json!(["read_only"])))
        .await;
    detail(&not_an_object, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.call(Method::GET, &path, admin, None).await.body,
        expected
    );

    // An unknown tenant, or a path that cannot be one: 404, on both methods.
    for unknown in [
        "/admin/tenants/nobody/policy",
        "/admin/tenants/not%20an%20id/policy",
    ] {
        detail(
            &api.call(Method::GET, unknown, admin, None).await,
            StatusCode::NOT_FOUND,
        );
        let change = api
            .call(
                Method::PUT,
                unknown,
                admin,
                Some(json!({"read_only": true})),
            )
            .await;
        let text = detail(&change, StatusCode::NOT_FOUND);
        assert!(
            text.starts_with("Tenant") && text.ends_with("not found"),
            "{text}"
        );
    }

    // A hotel reads its own policy, never changes it, never reads another's.
    let own = api
        .call(Method::GET, "/admin/policy", Some(&a.token), None)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.body, expected);
    let other = api
        .call(Method::GET, "/admin/policy", Some(&b.token), None)
        .await;
    assert_eq!(other.body, defaults, "B sees its own (default) policy");
    for token in [&a.token, &b.token] {
        let change = api
            .call(
                Method::PUT,
                &path,
                Some(token),
                Some(json!({"read_only": false})),
            )
            .await;
        detail(&change, StatusCode::FORBIDDEN);
        detail(
            &api.call(Method::GET, &path, Some(token), None).await,
            StatusCode::FORBIDDEN,
        );
    }
    detail(
        &api.call(Method::GET, "/admin/policy", None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(
        api.call(Method::GET, &path, admin, None).await.body,
        expected
    );
}

/// The document lists exactly our REST routes, and each one answers (with
/// our `{"detail"}` when refused, never the router's bare 404/405).
async fn every_documented_path_answers(app: TestApp) {
    let api = Api::of(&app);
    let document = api
        .call(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    for (path, operations) in paths {
        let concrete = path
            .replace("{key_name}", "EMAIL_API_KEY")
            .replace("{id}", "nobody");
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = matches!(method, Method::POST).then(|| json!({}));
            let reply = api
                .call(method.clone(), &concrete, Some(ADMIN_TOKEN), body)
                .await;
            assert!(
                reply.status.is_success() || reply.body["detail"].is_string(),
                "{method} {path}: {} {}",
                reply.status,
                reply.body
            );
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
}
