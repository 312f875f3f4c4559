//! `/oauth/authorize` and `/oauth/consent`: the authorization request is
//! checked, the hotel user signs in (e-mail and password), sees what the
//! client asks for and approves or denies; on approval a single-use code goes
//! back to the client's redirect URI. No server session: the request rides
//! in a sealed form field, and a CSRF token in a cookie must match the
//! form's (double submit) and the seal's.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use url::Url;

use super::{
    CODE_TTL,
    clients::{ClientError, redirect_allowed},
    form_fields, pages, random_token, seal,
    strings::{self, Strings},
};
use crate::{
    auth::{Scopes, password},
    crypto::token_hash,
    domain::{EmailAddress, TenantId, UserId},
    http::{AppState, bearer},
};

const CSRF_COOKIE: &str = "qmcp_csrf";
/// How long a user has to sign in, and then to decide.
const SIGN_IN_SECS: i64 = 30 * 60;
const CONSENT_SECS: i64 = 10 * 60;
/// Failed sign-ins allowed per account, and per address, in the window.
const FAILURES_PER_ACCOUNT: i64 = 5;
const FAILURES_PER_ADDRESS: i64 = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    resource: Option<String>,
}

/// An authorization request on its way through the forms.
#[derive(Serialize, Deserialize)]
struct Pending {
    client_id: String,
    client_name: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    state: Option<String>,
    resource: String,
    csrf: String,
    /// Set once the user has signed in.
    user: Option<SignedIn>,
}

#[derive(Serialize, Deserialize)]
struct SignedIn {
    id: UserId,
    tenant: TenantId,
    email: String,
    hotel: String,
}

fn strings_for(headers: &HeaderMap) -> &'static Strings {
    strings::for_languages(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A page saying why the flow cannot go on, for problems that must not be
/// sent to an unverified redirect URI.
fn stop(headers: &HeaderMap, status: StatusCode, message: &str) -> Response {
    let t = strings_for(headers);
    pages::render(
        status,
        "message.html",
        json!({"t": t, "title": t.error_title, "message": message}),
        None,
    )
}

/// The database could not be reached: the same page for every step.
fn unavailable(headers: &HeaderMap) -> Response {
    stop(
        headers,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-in is not possible right now; try again shortly.",
    )
}

/// The error sent back to the client (RFC 6749 §4.1.2.1), with `iss`.
fn back_with_error(
    redirect_uri: &str,
    issuer: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Response {
    back(
        redirect_uri,
        issuer,
        &[("error", error), ("error_description", description)],
        state,
    )
}

fn back(redirect_uri: &str, issuer: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Redirect::to(url.as_str()).into_response()
}

/// `GET /oauth/authorize`: check the request, then show the sign-in page.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    let audience = bearer::audience(&state, &headers);
    let Some(client_id) = query.client_id.as_deref().filter(|id| !id.is_empty()) else {
        return stop(
            &headers,
            StatusCode::BAD_REQUEST,
            "The request names no client (client_id).",
        );
    };
    let client = match state.oauth_clients.find(client_id).await {
        Ok(client) => client,
        Err(error) => {
            let status = match error {
                ClientError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            return stop(&headers, status, &error.to_string());
        }
    };
    let redirect_uri = match query.redirect_uri.clone() {
        Some(uri) => uri,
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return stop(
                &headers,
                StatusCode::BAD_REQUEST,
                "The request names no redirect_uri.",
            );
        }
    };
    if !redirect_allowed(&client, &redirect_uri) {
        return stop(
            &headers,
            StatusCode::BAD_REQUEST,
            "This redirect_uri is not one the client registered.",
        );
    }
    // From here on, problems go back to the client.
    let issuer = audience.issuer.as_str();
    let st = query.state.as_deref();
    let fail = |error: &str, description: &str| {
        back_with_error(&redirect_uri, issuer, error, description, st)
    };
    if query.response_type.as_deref() != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is served",
        );
    }
    let Some(challenge) = query.code_challenge.clone() else {
        return fail(
            "invalid_request",
            "PKCE is required: send code_challenge (S256)",
        );
    };
    if query.code_challenge_method.as_deref() != Some("S256") {
        return fail(
            "invalid_request",
            "only code_challenge_method=S256 is accepted",
        );
    }
    if !is_pkce_value(&challenge) {
        return fail(
            "invalid_request",
            "code_challenge is not a base64url S256 value",
        );
    }
    let scopes = match query.scope.as_deref() {
        None => Scopes::ALL,
        Some(text) => match Scopes::parse(text) {
            Ok(scopes) if !scopes.is_empty() => scopes,
            Ok(_) => Scopes::ALL,
            Err(problem) => return fail("invalid_scope", &problem),
        },
    };
    let resource = query
        .resource
        .clone()
        .unwrap_or_else(|| audience.resource.clone());
    if resource != audience.resource {
        return fail("invalid_target", "resource must be this server's MCP URL");
    }
    let csrf = csrf_cookie(&headers).unwrap_or_else(random_token);
    let pending = Pending {
        client_id: client.client_id.clone(),
        client_name: client.client_name.clone(),
        redirect_uri,
        code_challenge: challenge,
        scope: scopes.to_string(),
        state: query.state.clone(),
        resource,
        csrf: csrf.clone(),
        user: None,
    };
    let mut response = sign_in_page(&state, &headers, &pending, StatusCode::OK, None, "");
    set_csrf_cookie(&mut response, &csrf, issuer);
    response
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    pending: &Pending,
    status: StatusCode,
    error: Option<&str>,
    email: &str,
) -> Response {
    let t = strings_for(headers);
    pages::render(
        status,
        "sign_in.html",
        json!({
            "t": t,
            "title": t.sign_in_title,
            "client_name": pending.client_name,
            "request": seal::seal(state.auth.jwt().form_key(), pending, SIGN_IN_SECS),
            "csrf": pending.csrf,
            "error": error,
            "email": email,
        }),
        None,
    )
}

/// The sealed request of a form, if intact, in time, and carried with the
/// CSRF cookie that was set for it.
fn pending_of(
    state: &AppState,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Option<Pending> {
    let pending: Pending = seal::open(state.auth.jwt().form_key(), fields.get("request")?)?;
    let cookie = csrf_cookie(headers)?;
    let form = fields.get("csrf")?;
    (same(&cookie, form) && same(form, &pending.csrf)).then_some(pending)
}

/// `POST /oauth/authorize`: the sign-in form.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let t = strings_for(&headers);
    let fields = form_fields(&body);
    let Some(pending) = pending_of(&state, &headers, &fields) else {
        return stop(&headers, StatusCode::BAD_REQUEST, t.expired);
    };
    let email_text: String = fields
        .get("email")
        .map(|e| e.trim())
        .unwrap_or("")
        .chars()
        .take(254)
        .collect();
    let account = format!("account:{}", email_text.to_lowercase());
    let address = format!("address:{}", peer.ip());
    match too_many_failures(&state, &headers, &account, &address).await {
        Ok(false) => {}
        Ok(true) => {
            state.metrics.limit_hit("oauth_sign_in_failures", "count");
            let mut page = sign_in_page(
                &state,
                &headers,
                &pending,
                StatusCode::TOO_MANY_REQUESTS,
                Some(t.too_many_attempts),
                &email_text,
            );
            page.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(FAILURE_WINDOW.as_secs()),
            );
            return page;
        }
        Err(response) => return response,
    }
    let password_text = fields.get("password").cloned().unwrap_or_default();
    let record = match email_text.parse::<EmailAddress>() {
        Ok(email) => match state.store.sign_in_record(&email).await {
            Ok(record) => record,
            Err(error) => {
                tracing::error!(%error, "reading a user for sign-in failed");
                return unavailable(&headers);
            }
        },
        Err(_) => None,
    };
    let stored = record.as_ref().and_then(|r| r.password_hash.clone());
    let verified =
        tokio::task::spawn_blocking(move || password::verify(stored.as_deref(), &password_text))
            .await
            .unwrap_or(false);
    let user = record.filter(|r| verified && !r.disabled);
    let Some(record) = user else {
        for subject in [&account, &address] {
            if let Err(error) = state.store.record_login_failure(subject).await {
                tracing::warn!(%error, "recording a failed sign-in failed");
            }
        }
        tracing::info!(client_id = %pending.client_id, "OAuth sign-in refused");
        return sign_in_page(
            &state,
            &headers,
            &pending,
            StatusCode::OK,
            Some(t.wrong_credentials),
            &email_text,
        );
    };
    let hotel = match state.store.get_tenant(&record.user.tenant_id).await {
        Ok(Some(tenant)) => tenant.name,
        Ok(None) => record.user.tenant_id.to_string(),
        Err(error) => {
            tracing::error!(%error, "reading the user's hotel failed");
            return unavailable(&headers);
        }
    };
    tracing::info!(user = %record.user.id, tenant = %record.user.tenant_id, client_id = %pending.client_id, "OAuth sign-in");
    let pending = Pending {
        user: Some(SignedIn {
            id: record.user.id,
            tenant: record.user.tenant_id,
            email: record.user.email.to_string(),
            hotel,
        }),
        ..pending
    };
    consent_page(&state, &headers, &pending)
}

async fn too_many_failures(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    address: &str,
) -> Result<bool, Response> {
    let count = |subject: &str| {
        let subject = subject.to_owned();
        async move {
            state
                .store
                .count_login_failures(&subject, FAILURE_WINDOW)
                .await
        }
    };
    match tokio::try_join!(count(account), count(address)) {
        Ok((by_account, by_address)) => {
            Ok(by_account >= FAILURES_PER_ACCOUNT || by_address >= FAILURES_PER_ADDRESS)
        }
        Err(error) => {
            tracing::error!(%error, "counting failed sign-ins failed");
            Err(unavailable(headers))
        }
    }
}

fn consent_page(state: &AppState, headers: &HeaderMap, pending: &Pending) -> Response {
    let t = strings_for(headers);
    let Some(user) = &pending.user else {
        return stop(headers, StatusCode::BAD_REQUEST, t.expired);
    };
    let scopes: Vec<&str> = Scopes::parse(&pending.scope)
        .unwrap_or(Scopes::NONE)
        .iter()
        .map(|scope| t.scope(scope))
        .collect();
    let redirect = Url::parse(&pending.redirect_uri).ok();
    let redirect_host = redirect
        .as_ref()
        .and_then(|url| {
            url.host_str().map(|host| match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            })
        })
        .unwrap_or_default();
    let origin = redirect.map(|url| url.origin().ascii_serialization());
    pages::render(
        StatusCode::OK,
        "consent.html",
        json!({
            "t": t,
            "title": t.consent_title.replace("{client}", &pending.client_name),
            "client_name": pending.client_name,
            "hotel": user.hotel,
            "email": user.email,
            "scopes": scopes,
            "redirect_host": redirect_host,
            "request": seal::seal(state.auth.jwt().form_key(), pending, CONSENT_SECS),
            "csrf": pending.csrf,
        }),
        origin.as_deref(),
    )
}

/// `POST /oauth/consent`: allow or deny.
pub async fn consent(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let t = strings_for(&headers);
    let fields = form_fields(&body);
    let Some(pending) = pending_of(&state, &headers, &fields) else {
        return stop(&headers, StatusCode::BAD_REQUEST, t.expired);
    };
    let Some(user) = &pending.user else {
        return stop(&headers, StatusCode::BAD_REQUEST, t.expired);
    };
    let issuer = bearer::audience(&state, &headers).issuer;
    let st = pending.state.as_deref();
    if fields.get("decision").map(String::as_str) != Some("allow") {
        tracing::info!(user = %user.id, client_id = %pending.client_id, "OAuth consent denied");
        return back_with_error(
            &pending.redirect_uri,
            &issuer,
            "access_denied",
            "the user denied the request",
            st,
        );
    }
    let code = random_token();
    let granted = state
        .store
        .create_grant_with_code(
            &pending.client_id,
            &user.id,
            &user.tenant,
            &pending.scope,
            &pending.resource,
            &token_hash(&code),
            &pending.redirect_uri,
            &pending.code_challenge,
            CODE_TTL,
        )
        .await;
    match granted {
        Ok(grant) => {
            tracing::info!(user = %user.id, tenant = %user.tenant, client_id = %pending.client_id, %grant, scope = %pending.scope, "OAuth consent given");
            back(&pending.redirect_uri, &issuer, &[("code", &code)], st)
        }
        Err(error) => {
            tracing::error!(%error, "recording an approval failed");
            back_with_error(
                &pending.redirect_uri,
                &issuer,
                "temporarily_unavailable",
                "try again shortly",
                st,
            )
        }
    }
}

/// RFC 7636: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn csrf_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| (20..=100).contains(&value.len()))
}

/// Secure only over https: a browser (and most HTTP clients) would not send
/// a Secure cookie back over plain http, as on a loopback demo.
fn set_csrf_cookie(response: &mut Response, csrf: &str, issuer: &str) {
    let secure = if issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{CSRF_COOKIE}={csrf}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age={SIGN_IN_SECS}{secure}"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Compares in constant time (MACs of both under one random key).
fn same(a: &str, b: &str) -> bool {
    let key = random_token();
    let tag = |text: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(text.as_bytes());
        mac
    };
    let expected = tag(a).finalize().into_bytes();
    tag(b).verify_slice(&expected).is_ok()
}
