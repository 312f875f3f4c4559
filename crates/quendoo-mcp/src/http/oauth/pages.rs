//! The sign-in, consent and error pages: server-rendered HTML from the
//! templates beside this file, auto-escaped, no script and no third-party
//! asset, that no other site may frame.

use std::sync::LazyLock;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use minijinja::Environment;
use serde::Serialize;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("sign_in.html", include_str!("templates/sign_in.html")),
        ("consent.html", include_str!("templates/consent.html")),
        ("message.html", include_str!("templates/message.html")),
    ] {
        env.add_template(name, source)
            .expect("the page templates are valid");
    }
    env
});

/// `template` rendered with `context`, with the headers every page gets.
/// `form_target` is where a form on the page may send the browser on (the
/// consent page's answer redirects to the client).
pub fn render(
    status: StatusCode,
    template: &str,
    context: impl Serialize,
    form_target: Option<&str>,
) -> Response {
    let html = TEMPLATES
        .get_template(template)
        .and_then(|template| template.render(minijinja::value::Serde(&context)));
    let html = match html {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, template, "an OAuth page could not be rendered");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.",
            )
                .into_response();
        }
    };
    let form_action = match form_target {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Not `no-referrer`: with it, browsers send `Origin: null` on the form
    // posts, which the host guard refuses. Other sites get no referrer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
