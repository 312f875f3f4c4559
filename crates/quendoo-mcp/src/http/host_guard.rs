//! DNS-rebinding and cross-origin protection for the MCP transports: the
//! `Host` must be one this server is reached by, and a browser's `Origin`,
//! when present, must be allowed. A pure check with its own tests, and the
//! layer that applies it.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::sync::Arc;
use tower_http::validate_request::{ValidateRequest, ValidateRequestHeaderLayer};
use url::Url;

use super::error::ApiError;

/// Hosts every local server answers to.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

#[derive(Clone, Debug)]
pub struct HostGuard {
    /// `name` (any port) or `name:port`, lower case; `*` allows any host.
    hosts: Vec<String>,
    /// `scheme://host:port`, normalised; empty means "origins on an allowed host".
    origins: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    Host,
    Origin,
}

impl HostGuard {
    /// `allowed_hosts` adds to the loopback names; `allowed_origins` replaces
    /// the default rule (an origin whose host is an allowed host).
    pub fn new(allowed_hosts: &[String], allowed_origins: &[String]) -> Self {
        let hosts = LOOPBACK_HOSTS
            .iter()
            .map(|h| h.to_string())
            .chain(allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()))
            .filter(|h| !h.is_empty())
            .collect();
        let origins = allowed_origins
            .iter()
            .filter_map(|o| normalise_origin(o.trim()))
            .collect();
        Self { hosts, origins }
    }

    pub fn check(&self, host: Option<&str>, origin: Option<&str>) -> Result<(), Rejection> {
        let host = host.ok_or(Rejection::Host)?;
        if !self.host_allowed(host) {
            return Err(Rejection::Host);
        }
        match origin {
            None => Ok(()),
            Some(origin) => {
                let normalised = normalise_origin(origin).ok_or(Rejection::Origin)?;
                let allowed = if self.origins.is_empty() {
                    Url::parse(&normalised)
                        .ok()
                        .and_then(|url| url.host_str().map(|h| self.host_allowed(h)))
                        .unwrap_or(false)
                } else {
                    self.origins.contains(&normalised)
                };
                allowed.then_some(()).ok_or(Rejection::Origin)
            }
        }
    }

    fn host_allowed(&self, authority: &str) -> bool {
        let authority = authority.to_ascii_lowercase();
        let (name, _port) = split_authority(&authority);
        self.hosts
            .iter()
            .any(|allowed| allowed == "*" || *allowed == authority || allowed == name)
    }
}

/// `[::1]:8000` -> (`::1`, Some("8000")); `example.com` -> (`example.com`, None).
fn split_authority(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        let (name, tail) = rest.split_once(']').unwrap_or((rest, ""));
        (name, tail.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => (name, Some(port)),
            _ => (authority, None),
        }
    }
}

/// `https://App.example.com` -> `https://app.example.com:443`.
fn normalise_origin(origin: &str) -> Option<String> {
    let url = Url::parse(origin).ok()?;
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(format!("{}://{}:{}", url.scheme(), host, port))
}

/// The guard as a layer: 403 for a Host or a browser's Origin not allowed,
/// before anything else looks at the request. A check before the call
/// rather than axum's `from_fn`, which clones every service below it on
/// each request.
pub fn checking_origins(guard: Arc<HostGuard>) -> ValidateRequestHeaderLayer<Check> {
    ValidateRequestHeaderLayer::custom(Check {
        guard,
        origins: true,
    })
}

/// For endpoints any web page may call (CORS `*`, no cookie, no ambient
/// authority: OAuth metadata, registration, token, revocation): the Host is
/// checked against DNS rebinding, the Origin is not.
pub fn checking_host(guard: Arc<HostGuard>) -> ValidateRequestHeaderLayer<Check> {
    ValidateRequestHeaderLayer::custom(Check {
        guard,
        origins: false,
    })
}

#[derive(Clone)]
pub struct Check {
    guard: Arc<HostGuard>,
    origins: bool,
}

impl ValidateRequest<Body> for Check {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request) -> Result<(), Response> {
        let headers: &HeaderMap = request.headers();
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()));
        let origin = match self.origins {
            true => headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            false => None,
        };
        self.guard.check(host, origin).map_err(|rejection| {
            let detail = match rejection {
                Rejection::Host => {
                    "This host name is not allowed: the operator lists the server's public names in ALLOWED_HOSTS."
                }
                Rejection::Origin => {
                    "This Origin is not allowed: the operator lists browser origins in ALLOWED_ORIGINS."
                }
            };
            ApiError::new(StatusCode::FORBIDDEN, detail).into_response()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(hosts: &[&str], origins: &[&str]) -> HostGuard {
        let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        HostGuard::new(&own(hosts), &own(origins))
    }

    #[test]
    fn loopback_hosts_pass_with_or_without_port() {
        let g = guard(&[], &[]);
        for host in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:9",
            "[::1]:8000",
            "LOCALHOST",
        ] {
            assert_eq!(g.check(Some(host), None), Ok(()), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_rejected_unless_listed() {
        assert_eq!(
            guard(&[], &[]).check(Some("evil.example"), None),
            Err(Rejection::Host)
        );
        assert_eq!(guard(&[], &[]).check(None, None), Err(Rejection::Host));
        let g = guard(&["mcp.hotel.example", "api.example:8443"], &[]);
        assert_eq!(g.check(Some("mcp.hotel.example:443"), None), Ok(()));
        assert_eq!(g.check(Some("api.example:8443"), None), Ok(()));
        assert_eq!(
            g.check(Some("api.example:9999"), None),
            Err(Rejection::Host)
        );
        assert_eq!(
            guard(&["*"], &[]).check(Some("anything.example"), None),
            Ok(())
        );
    }

    #[test]
    fn origins_default_to_the_allowed_hosts() {
        let g = guard(&[], &[]);
        assert_eq!(
            g.check(Some("localhost"), Some("http://localhost:6274")),
            Ok(())
        );
        assert_eq!(
            g.check(Some("localhost"), Some("https://evil.example")),
            Err(Rejection::Origin)
        );
        assert_eq!(
            g.check(Some("localhost"), Some("null")),
            Err(Rejection::Origin)
        );
    }

    #[test]
    fn listed_origins_must_match_scheme_host_and_port() {
        let g = guard(&["mcp.hotel.example"], &["https://dashboard.hotel.example"]);
        let host = Some("mcp.hotel.example");
        assert_eq!(
            g.check(host, Some("https://dashboard.hotel.example")),
            Ok(())
        );
        assert_eq!(
            g.check(host, Some("https://dashboard.hotel.example:443")),
            Ok(())
        );
        assert_eq!(
            g.check(host, Some("http://dashboard.hotel.example")),
            Err(Rejection::Origin)
        );
        assert_eq!(
            g.check(host, Some("http://localhost:3000")),
            Err(Rejection::Origin)
        );
    }
}
