//! The seed's REST API and the admin API end to end: real HTTP, a real
//! database (SQLite and PostgreSQL) and the PMS simulator. Every response
//! body and every log line is kept, so tests can check that no secret shows.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod admin;
mod dashboard;
mod errors;

use std::sync::Mutex;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use support::app::{self, Hotel, TestApp};

/// A server over `db` configured by `tweak`, with the log capture on.
pub async fn spawn(db: support::TestDb, tweak: app::Tweak) -> TestApp {
    support::logs::capture();
    TestApp::spawn_with(db, tweak).await
}

/// An HTTP client that keeps every response body it receives.
pub struct Api {
    client: reqwest::Client,
    base: String,
    seen: Mutex<Vec<String>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: base.to_owned(),
            seen: Mutex::new(Vec::new()),
        }
    }

    pub fn of(app: &TestApp) -> Api {
        Api::new(&app.base)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        self.seen.lock().unwrap().push(text.clone());
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A JSON request with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.request(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn connect(&self, token: &str) -> String {
        let reply = self
            .call(Method::POST, "/mcp/connect", Some(token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["connection_id"].as_str().unwrap().to_owned()
    }

    pub async fn execute(&self, connection: &str, tool: &str, args: Value) -> Reply {
        let body =
            serde_json::json!({"connection_id": connection, "tool_name": tool, "tool_args": args});
        self.call(Method::POST, "/mcp/tools/execute", None, Some(body))
            .await
    }

    /// Fails if any response so far, or any log line, holds one of the
    /// hotel's credentials.
    pub fn assert_no_secret_of(&self, hotel: &Hotel) {
        let logs = support::logs::text();
        assert!(logs.contains("tool call"), "the log capture works");
        let seen = self.seen.lock().unwrap();
        for secret in [
            &hotel.spec.api_key,
            &hotel.spec.email_bearer,
            &hotel.spec.automation_bearer,
        ] {
            assert!(
                !logs.contains(secret.as_str()),
                "a credential appears in the logs"
            );
            for body in seen.iter() {
                assert!(
                    !body.contains(secret.as_str()),
                    "a credential appears in a response: {body}"
                );
            }
        }
    }
}

/// The `detail` of an error reply with the expected status.
pub fn detail(reply: &Reply, status: StatusCode) -> String {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail: {}", reply.body))
        .to_owned()
}
