//! An OAuth client driven by hand over real HTTP, step by step, so that
//! each step can also be done wrong: register, authorize, sign in, consent,
//! exchange, refresh, call `/mcp`.

use std::net::SocketAddr;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:43117/callback";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `fields` as an `application/x-www-form-urlencoded` body.
pub fn form(request: reqwest::RequestBuilder, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    request
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
}

/// PKCE: a verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier =
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()) + "-verifier-padding-xyz";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// One client's trip through the flow against the server at `base`.
pub struct Flow {
    /// Where the next step is sent (any replica).
    pub base: String,
    /// This server's MCP URL as clients know it (`PUBLIC_URL` + `/mcp`).
    pub resource: String,
    pub client_id: String,
    pub verifier: String,
    pub challenge: String,
    pub scope: String,
    cookie: Option<String>,
    /// The last page's sealed request and CSRF token.
    request: String,
    csrf: String,
}

/// A page's hidden field.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(
        page[start..start + end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}

impl Flow {
    pub async fn register(base: &str) -> Flow {
        let response = http()
            .post(format!("{base}/oauth/register"))
            .json(
                &json!({"client_name": "Test client", "redirect_uris": [REDIRECT],
                          "token_endpoint_auth_method": "none"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let client: Value = response.json().await.unwrap();
        let (verifier, challenge) = pkce();
        Flow {
            base: base.to_owned(),
            resource: format!("{base}/mcp"),
            client_id: client["client_id"].as_str().unwrap().to_owned(),
            verifier,
            challenge,
            scope: "pms:read pms:write comms:send".into(),
            cookie: None,
            request: String::new(),
            csrf: String::new(),
        }
    }

    /// The authorization URL with these query parameters changed
    /// (`None` leaves one out).
    pub fn authorize_url(&self, changes: &[(&str, Option<&str>)]) -> String {
        let resource = self.resource.clone();
        let mut params: Vec<(&str, Option<&str>)> = vec![
            ("response_type", Some("code")),
            ("client_id", Some(&self.client_id)),
            ("redirect_uri", Some(REDIRECT)),
            ("code_challenge", Some(&self.challenge)),
            ("code_challenge_method", Some("S256")),
            ("scope", Some(&self.scope)),
            ("state", Some("st-123")),
            ("resource", Some(&resource)),
        ];
        for (name, value) in changes {
            match params.iter_mut().find(|(n, _)| n == name) {
                Some(param) => param.1 = *value,
                None => params.push((name, *value)),
            }
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().filter_map(|(n, v)| v.map(|v| (*n, v))))
            .finish();
        format!("{}/oauth/authorize?{query}", self.base)
    }

    /// GET the authorization URL: the sign-in page (or whatever came back).
    pub async fn start(&mut self, changes: &[(&str, Option<&str>)]) -> reqwest::Response {
        let response = http()
            .get(self.authorize_url(changes))
            .send()
            .await
            .unwrap();
        if let Some(cookie) = response.headers().get(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
        }
        response
    }

    /// Keeps the page's sealed request and CSRF token for the next step.
    pub async fn take_page(&mut self, response: reqwest::Response) -> (StatusCode, String) {
        let status = response.status();
        let page = response.text().await.unwrap();
        if let (Some(request), Some(csrf)) = (hidden(&page, "request"), hidden(&page, "csrf")) {
            self.request = request;
            self.csrf = csrf;
        }
        (status, page)
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut request = form(http().post(format!("{}{path}", self.base)), fields);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// Start, then sign in: the consent page (status and HTML).
    pub async fn sign_in(&mut self, email: &str, password: &str) -> (StatusCode, String) {
        let response = self.start(&[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        self.take_page(response).await;
        self.submit_sign_in(email, password).await
    }

    pub async fn submit_sign_in(&mut self, email: &str, password: &str) -> (StatusCode, String) {
        let (request, csrf) = (self.request.clone(), self.csrf.clone());
        let response = self
            .post_form(
                "/oauth/authorize",
                &[
                    ("email", email),
                    ("password", password),
                    ("request", &request),
                    ("csrf", &csrf),
                ],
            )
            .await;
        self.take_page(response).await
    }

    /// Decide on the consent page: the redirect's query parameters.
    pub async fn decide(&mut self, decision: &str) -> Vec<(String, String)> {
        let (request, csrf) = (self.request.clone(), self.csrf.clone());
        let response = self
            .post_form(
                "/oauth/consent",
                &[
                    ("decision", decision),
                    ("request", &request),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        redirect_query(&response)
    }

    /// The whole way to a code.
    pub async fn code(&mut self, email: &str, password: &str) -> String {
        let (status, page) = self.sign_in(email, password).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("action=\"/oauth/consent\""), "{page}");
        let query = self.decide("allow").await;
        param(&query, "code").expect("a code")
    }

    pub async fn token(&self, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = form(http().post(format!("{}/oauth/token", self.base)), fields)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str) -> (StatusCode, Value) {
        let resource = self.resource.clone();
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", &self.client_id),
            ("code_verifier", &self.verifier),
            ("resource", &resource),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ])
        .await
    }
}

pub fn redirect_query(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(query: &[(String, String)], name: &str) -> Option<String> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// One JSON-RPC request to `/mcp` with `token`: the HTTP status, the
/// `WWW-Authenticate` header and the JSON answer.
pub async fn mcp(
    addr: SocketAddr,
    token: &str,
    method: &str,
    params: Value,
) -> (StatusCode, Option<String>, Value) {
    let response = http()
        .post(format!("http://{addr}/mcp"))
        .bearer_auth(token)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    (
        status,
        challenge,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}
