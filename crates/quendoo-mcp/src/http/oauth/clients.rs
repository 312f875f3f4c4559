//! Who the OAuth clients are: registered ones (RFC 7591) from the
//! database, and Client ID Metadata Documents fetched from the https URL
//! that is their client id (short timeout, size cap, no redirects, never a
//! private address), cached for a few minutes. And which redirect URIs a
//! client may use: https, or loopback http on any port (RFC 8252).

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use moka::future::Cache;
use serde::Deserialize;
use url::{Host, Url};

use crate::storage::{ClientKind, OAuthClient, Store};

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
const DOCUMENT_TTL: Duration = Duration::from_secs(5 * 60);
pub const MAX_REDIRECT_URIS: usize = 10;
const MAX_URI_CHARS: usize = 2000;
pub const MAX_CLIENT_NAME_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("unknown client_id: register the client first, or use a client metadata document URL")]
    Unknown,
    #[error("the client metadata document could not be used: {0}")]
    Document(String),
    #[error("clients cannot be looked up right now; try again shortly")]
    Unavailable,
}

/// Finds clients, by registration or by metadata document.
#[derive(Clone)]
pub struct Clients {
    store: Store,
    documents: Cache<String, Arc<OAuthClient>>,
    allow_loopback: bool,
}

impl Clients {
    pub fn new(store: Store, allow_loopback: bool) -> Self {
        Clients {
            store,
            documents: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(DOCUMENT_TTL)
                .build(),
            allow_loopback,
        }
    }

    pub async fn find(&self, client_id: &str) -> Result<Arc<OAuthClient>, ClientError> {
        if client_id.starts_with("https://") || client_id.starts_with("http://") {
            return self
                .documents
                .try_get_with(client_id.to_owned(), self.fetch_document(client_id))
                .await
                .map_err(|error| match &*error {
                    ClientError::Unavailable => ClientError::Unavailable,
                    other => ClientError::Document(other.to_string()),
                });
        }
        match self.store.get_oauth_client(client_id).await {
            Ok(Some(client)) => Ok(Arc::new(client)),
            Ok(None) => Err(ClientError::Unknown),
            Err(error) => {
                tracing::error!(%error, "reading an OAuth client failed");
                Err(ClientError::Unavailable)
            }
        }
    }

    async fn fetch_document(&self, client_id: &str) -> Result<Arc<OAuthClient>, ClientError> {
        let problem = |text: &str| ClientError::Document(text.to_owned());
        let url = Url::parse(client_id).map_err(|_| problem("the client id is not a URL"))?;
        let loopback_allowed = self.allow_loopback && is_loopback_http(&url);
        if url.scheme() != "https" && !loopback_allowed {
            return Err(problem("the client id must be an https URL"));
        }
        if url.path() == "/" || url.fragment().is_some() || !url.username().is_empty() {
            return Err(problem(
                "the client id URL needs a path, and no fragment or user",
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| problem("the client id URL has no host"))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let address = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| problem("its host does not resolve"))?
            .find(|address| loopback_allowed || is_public(address.ip()))
            .ok_or_else(|| problem("its host is not a public address"))?;
        let body = fetch(&url, host, address)
            .await
            .map_err(ClientError::Document)?;
        let document: Document = serde_json::from_slice(&body)
            .map_err(|_| problem("it is not a JSON client metadata document"))?;
        if document.client_id != client_id {
            return Err(problem("its client_id is not the URL it was fetched from"));
        }
        if document
            .token_endpoint_auth_method
            .as_deref()
            .is_some_and(|method| method != "none")
        {
            return Err(problem(
                "only public clients (token_endpoint_auth_method none) are served",
            ));
        }
        let redirect_uris =
            checked_redirect_uris(&document.redirect_uris).map_err(ClientError::Document)?;
        let name = document
            .client_name
            .unwrap_or_else(|| host.to_owned())
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_CLIENT_NAME_CHARS)
            .collect::<String>();
        // Kept so that an operator can list who connected.
        let client = self
            .store
            .save_oauth_client(client_id, ClientKind::Cimd, &name, &redirect_uris)
            .await
            .map_err(|error| {
                tracing::error!(%error, "saving an OAuth client failed");
                ClientError::Unavailable
            })?;
        Ok(Arc::new(client))
    }
}

#[derive(Deserialize)]
struct Document {
    client_id: String,
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    token_endpoint_auth_method: Option<String>,
}

/// GETs `url` from `address` only (the one we checked), without following
/// redirects, reading at most `MAX_DOCUMENT_BYTES`.
async fn fetch(url: &Url, host: &str, address: SocketAddr) -> Result<Vec<u8>, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .resolve(host, address)
        .build()
        .map_err(|_| "it could not be fetched".to_owned())?;
    let mut response = client
        .get(url.clone())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|_| "it could not be fetched".to_owned())?;
    if !response.status().is_success() {
        return Err(format!(
            "fetching it answered HTTP {}",
            response.status().as_u16()
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| "it could not be read".to_owned())?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("it is larger than 64 KiB".to_owned());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Not loopback, private, link-local, shared (CGNAT), documentation,
/// multicast or unspecified.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_multicast()
                || ip.is_broadcast()
                || ip.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let [first, second, ..] = ip.segments();
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && second == 0x0db8)
                || first == 0x2002
                || (first == 0x0064 && second == 0xff9b))
        }
    }
}

fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name == "localhost",
            None => false,
        }
}

/// The redirect URIs a client may register: 1 to 10, each https or
/// loopback http, absolute, without a fragment.
pub fn checked_redirect_uris(uris: &[String]) -> Result<Vec<String>, String> {
    if uris.is_empty() || uris.len() > MAX_REDIRECT_URIS {
        return Err(format!("give 1 to {MAX_REDIRECT_URIS} redirect_uris"));
    }
    uris.iter()
        .map(|uri| {
            let url = Url::parse(uri)
                .ok()
                .filter(|url| uri.len() <= MAX_URI_CHARS && url.fragment().is_none())
                .filter(|url| url.scheme() == "https" || is_loopback_http(url));
            match url {
                Some(_) => Ok(uri.clone()),
                None => Err(format!(
                    "redirect URI {} must be https, or http on a loopback address, with no fragment",
                    uri.chars().take(100).collect::<String>()
                )),
            }
        })
        .collect()
}

/// Whether `candidate` is one of the client's redirect URIs: exactly, or
/// for a loopback one, the same but for the port (RFC 8252 §7.3).
pub fn redirect_allowed(client: &OAuthClient, candidate: &str) -> bool {
    let Ok(wanted) = Url::parse(candidate) else {
        return false;
    };
    client.redirect_uris.iter().any(|registered| {
        if registered == candidate {
            return true;
        }
        let Ok(registered) = Url::parse(registered) else {
            return false;
        };
        is_loopback_http(&registered)
            && is_loopback_http(&wanted)
            && registered.host() == wanted.host()
            && registered.path() == wanted.path()
            && registered.query() == wanted.query()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> OAuthClient {
        OAuthClient {
            client_id: "c".into(),
            kind: ClientKind::Dcr,
            client_name: "c".into(),
            redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn redirect_uris_match_exactly_or_by_loopback_port() {
        let c = client(&[
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
        ]);
        assert!(redirect_allowed(
            &c,
            "https://claude.ai/api/mcp/auth_callback"
        ));
        assert!(!redirect_allowed(
            &c,
            "https://claude.ai/api/mcp/auth_callback/x"
        ));
        assert!(redirect_allowed(&c, "http://127.0.0.1:51000/callback"));
        assert!(!redirect_allowed(&c, "http://127.0.0.1:51000/other"));
        assert!(!redirect_allowed(&c, "http://evil.example:33418/callback"));
    }

    #[test]
    fn only_https_or_loopback_redirect_uris_register() {
        let ok = [
            "https://a.example/cb".to_owned(),
            "http://localhost:6274/oauth/callback".to_owned(),
        ];
        assert!(checked_redirect_uris(&ok).is_ok());
        for bad in [
            "http://a.example/cb",
            "https://a.example/cb#x",
            "javascript:alert(1)",
            "/relative",
        ] {
            assert!(checked_redirect_uris(&[bad.to_owned()]).is_err(), "{bad}");
        }
        assert!(checked_redirect_uris(&[]).is_err());
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "198.18.0.1",
            "240.0.0.1",
            "2001:db8::1",
            "2002:a00:1::",
            "64:ff9b::a00:1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_public("93.184.216.34".parse().unwrap()));
    }
}
