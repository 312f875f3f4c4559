//! Configuration: flags, environment variables (and a `.env` file) and
//! `--help` come from the one clap definition below.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use clap::{Args, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::JwtKeys;
use crate::crypto::{Cipher, EncryptionKey};
use crate::dev_secrets;
use crate::domain::TenantId;
use crate::tools::ResultBudget;

pub const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_DATABASE_URL: &str = "sqlite://quendoo_mcp.db";
pub const DEFAULT_QUENDOO_BASE_URL: &str = "https://www.platform.quendoo.com/api/pms/v1";
pub const DEFAULT_CONNECTION_IDLE_TTL: Duration = Duration::from_secs(24 * 3600);
const MIN_JWT_SECRET_BYTES: usize = 32;
pub const MIN_ADMIN_TOKEN_BYTES: usize = 32;
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
pub const DEFAULT_ANSWERS_IN_FLIGHT_BYTES: usize = 64 * 1024 * 1024;
pub const DEFAULT_COMMS_HOURLY_LIMIT: u32 = 30;
pub const DEFAULT_TENANT_CALLS_PER_MINUTE: u32 = 600;
pub const DEFAULT_HOTEL_CACHE_CAPACITY: u64 = 20_000;
pub const DEFAULT_TENANT_CALLS_IN_FLIGHT: u32 = 20;
pub const DEFAULT_LEGACY_SSE_KEEPALIVE: Duration = Duration::from_secs(15);
pub const DEFAULT_LEGACY_SSE_MAX_STREAMS: usize = 20_000;
pub const DEFAULT_LEGACY_SSE_MAX_STREAMS_PER_ADDRESS: usize = 200;
pub const DEFAULT_MAX_CONNECTIONS: usize = 25_000;

/// Loads `.env` from the working directory, if there is one. Variables
/// already set in the environment win.
pub fn load_dotenv() {
    // A missing .env file is the normal case, not an error.
    let _ = dotenvy::dotenv();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Options every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Database: `sqlite://FILE` (created on first run) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        global = true,
        hide_env_values = true,
        value_parser = secret
    )]
    pub database_url: SecretString,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `quendoo_mcp=debug,sqlx=warn` (default:
    /// `info` for `serve`, `warn` for the other commands).
    #[arg(long = "log-filter", env = "RUST_LOG", global = true)]
    pub log_filter: Option<String>,

    /// Development mode: generate JWT_SECRET and ENCRYPTION_KEY if missing and
    /// keep them in `.quendoo-mcp/dev-secrets.json` (owner-only). Never in production.
    #[arg(long, env = "QUENDOO_MCP_DEV", global = true)]
    pub dev: bool,

    #[command(flatten)]
    pub secrets: SecretArgs,
}

/// Secrets. Prefer the environment or `.env`: flags show in process lists.
#[derive(Debug, Args)]
#[command(
    next_help_heading = "Secrets (global; prefer the environment: flags show in process lists)"
)]
pub struct SecretArgs {
    /// Master key for tenant secrets: base64 of 32 random bytes
    /// (make one with `quendoo-mcp keygen`).
    #[arg(long, env = "ENCRYPTION_KEY", global = true, hide_env_values = true, value_parser = secret)]
    pub encryption_key: Option<SecretString>,

    /// Earlier master keys, comma-separated: used only to decrypt values not
    /// yet re-encrypted by `rotate-encryption-key`.
    #[arg(
        long,
        env = "PREVIOUS_ENCRYPTION_KEYS",
        global = true,
        hide_env_values = true,
        value_parser = secret
    )]
    pub previous_encryption_keys: Option<SecretString>,

    /// Secret that signs and verifies HS256 tokens, at least 32 bytes
    /// (make one with `quendoo-mcp keygen`).
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,

    /// Required `iss` of incoming tokens (and set in issued ones).
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` of incoming tokens (and set in issued ones).
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Serve options")]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value_t = DEFAULT_HOST)]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// Quendoo PMS API base URL.
    #[arg(long, env = "QUENDOO_BASE_URL", default_value = DEFAULT_QUENDOO_BASE_URL, value_parser = http_url)]
    pub quendoo_base_url: String,

    /// Quendoo e-mail service base URL.
    #[arg(long, env = "QUENDOO_EMAIL_URL", value_parser = http_url)]
    pub quendoo_email_url: Option<String>,

    /// Quendoo voice-call automation service base URL.
    #[arg(long, env = "QUENDOO_AUTOMATION_URL", value_parser = http_url)]
    pub quendoo_automation_url: Option<String>,

    /// How long an unused REST connection stays valid, e.g. `30m`, `1h`, `7d`.
    #[arg(long, env = "CONNECTION_IDLE_TTL", default_value = "24h", value_parser = parse_duration)]
    pub connection_idle_ttl: Duration,

    /// Longest wait for a connection to the Quendoo services, e.g. `5s`.
    #[arg(long, env = "QUENDOO_CONNECT_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub quendoo_connect_timeout: Duration,

    /// Longest wait for one answer from the Quendoo services, e.g. `30s`.
    #[arg(long, env = "QUENDOO_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub quendoo_request_timeout: Duration,

    /// Largest answer read from Quendoo, in bytes (a year of availability
    /// for 50 room types is about 2 MiB).
    #[arg(long, env = "QUENDOO_MAX_RESPONSE_BYTES", default_value_t = DEFAULT_MAX_RESPONSE_BYTES)]
    pub quendoo_max_response_bytes: usize,

    /// Most bytes of Quendoo's answers read and parsed at once, over all
    /// calls; past it a call is refused (retry in seconds) rather than read.
    #[arg(long, env = "QUENDOO_ANSWERS_IN_FLIGHT_BYTES", default_value_t = DEFAULT_ANSWERS_IN_FLIGHT_BYTES)]
    pub quendoo_answers_in_flight_bytes: usize,

    /// Longest a client may take to send a request's head (and longest a
    /// connection may stay idle between requests), e.g. `10s`.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// Most connections open at once (more wait to be accepted); lowered
    /// to fit the open-file limit, which is raised to the system's maximum.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// How long audit entries are kept, e.g. `90d` (older ones are purged
    /// every hour).
    #[arg(long, env = "AUDIT_RETENTION", default_value = "90d", value_parser = parse_duration)]
    pub audit_retention: Duration,

    /// Longest one tool call may take, retries included, e.g. `25s`; then it
    /// answers that Quendoo did not answer in time (many clients give up at 60 s).
    #[arg(long, env = "TOOL_CALL_TIMEOUT", default_value = "25s", value_parser = parse_duration)]
    pub tool_call_timeout: Duration,

    /// How long a write's confirmation code stays good, e.g. `5m`: the time a
    /// person has to read the preview and say yes.
    #[arg(long, env = "CONFIRMATION_TTL", default_value = "5m", value_parser = parse_duration)]
    pub confirmation_ttl: Duration,

    /// Most one tool result may hold, in tokens, approximated as 4 bytes of
    /// compact JSON each (at least 500); a longer result is cut and says how
    /// to ask for the rest (a cursor, a narrower request).
    #[arg(long, env = "RESULT_BUDGET", default_value_t = ResultBudget::DEFAULT)]
    pub result_budget: ResultBudget,

    /// Most hotels whose policy and decrypted keys are kept in memory (an
    /// hour unused and a hotel leaves; a change anywhere reloads it at once),
    /// and most verified bearer tokens (10 minutes unused and one leaves).
    #[arg(long, env = "HOTEL_CACHE_CAPACITY", default_value_t = DEFAULT_HOTEL_CACHE_CAPACITY)]
    pub hotel_cache_capacity: u64,

    /// Longest a request may take before it is stopped with 504, e.g. `120s`
    /// (an `/sse` stream counts only until it opens).
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "120s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Public base URL of this server (e.g. `https://mcp.example.com`), used in
    /// the OAuth metadata and `WWW-Authenticate`; default: the request's Host.
    #[arg(long, env = "PUBLIC_URL", value_parser = http_url)]
    pub public_url: Option<String>,

    /// Host names (optionally `name:port`) the MCP endpoints answer to, comma-separated,
    /// besides localhost/127.0.0.1/::1; `*` allows any (DNS-rebinding protection off).
    #[arg(long, env = "ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Browser origins allowed to call the MCP endpoints, comma-separated
    /// (e.g. `https://dashboard.example.com`); default: origins on an allowed host.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Most e-mails, and most voice calls, one hotel may send per hour through
    /// the tools (counted separately, reserved in the database before each
    /// send, so across replicas); 0 switches both tools off.
    #[arg(long, env = "COMMS_HOURLY_LIMIT", default_value_t = DEFAULT_COMMS_HOURLY_LIMIT)]
    pub comms_hourly_limit: u32,

    /// Most tool calls one hotel may make a minute, in bursts of as many
    /// (more are refused with a time to retry); 0 for no bound. Shared by the
    /// replicas through REDIS_URL, else counted by each.
    #[arg(long, env = "TENANT_CALLS_PER_MINUTE", default_value_t = DEFAULT_TENANT_CALLS_PER_MINUTE)]
    pub tenant_calls_per_minute: u32,

    /// Most tool calls of one hotel in progress at once (a hanging PMS holds
    /// them until TOOL_CALL_TIMEOUT); 0 for no bound. Shared like the rate.
    #[arg(long, env = "TENANT_CALLS_IN_FLIGHT", default_value_t = DEFAULT_TENANT_CALLS_IN_FLIGHT)]
    pub tenant_calls_in_flight: u32,

    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Serve the legacy HTTP+SSE transport (`GET /sse`, `POST /messages/`) of
    /// MCP revision 2024-11-05, for the dashboard backend as deployed today.
    #[arg(long, env = "LEGACY_SSE", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub legacy_sse: bool,

    /// On the legacy transport, create a tenant for a hotel key that belongs to
    /// none, once Quendoo accepts the key (one PMS call).
    #[arg(long, env = "LEGACY_AUTO_TENANT")]
    pub legacy_auto_tenant: bool,

    /// Interval of keep-alive comments on idle legacy `/sse` streams, e.g. `15s`.
    #[arg(long, env = "LEGACY_SSE_KEEPALIVE", default_value = "15s", value_parser = parse_duration)]
    pub legacy_sse_keepalive: Duration,

    /// Most legacy `/sse` streams open at once (more get 503): they need no
    /// credential, so this bounds what anonymous clients can hold.
    #[arg(long, env = "LEGACY_SSE_MAX_STREAMS", default_value_t = DEFAULT_LEGACY_SSE_MAX_STREAMS)]
    pub legacy_sse_max_streams: usize,

    /// Most legacy `/sse` streams one client address may hold (more get 429).
    #[arg(long, env = "LEGACY_SSE_MAX_STREAMS_PER_ADDRESS", default_value_t = DEFAULT_LEGACY_SSE_MAX_STREAMS_PER_ADDRESS)]
    pub legacy_sse_max_streams_per_address: usize,

    /// Redis that replicas share legacy `/sse` streams through
    /// (`redis://HOST:6379`); without it, replicas on PostgreSQL share them
    /// through the database (SQLite runs one replica).
    #[arg(long, env = "REDIS_URL", hide_env_values = true, value_parser = secret)]
    pub redis_url: Option<SecretString>,

    /// Lifetime of the OAuth access tokens this server issues, e.g. `1h`.
    #[arg(long, env = "OAUTH_ACCESS_TOKEN_TTL", default_value = "1h", value_parser = parse_duration)]
    pub oauth_access_token_ttl: Duration,

    /// Lifetime of an OAuth refresh token (each is replaced on use), e.g. `30d`.
    #[arg(long, env = "OAUTH_REFRESH_TOKEN_TTL", default_value = "30d", value_parser = parse_duration)]
    pub oauth_refresh_token_ttl: Duration,

    /// TESTING ONLY: let a client metadata document (CIMD) be served from
    /// 127.0.0.1 over http. Refused unless HOST is a loopback address.
    #[arg(long, env = "OAUTH_CIMD_ALLOW_LOOPBACK")]
    pub oauth_cimd_allow_loopback: bool,

    /// Demo mode: generated local secrets, the embedded SQLite database, the
    /// built-in PMS simulator and a demo hotel; prints a token and client setup.
    #[arg(long, env = "QUENDOO_MCP_DEMO")]
    pub demo: bool,

    /// Address of a second listener serving only `/metrics`, without a token
    /// (e.g. `0.0.0.0:9090`, reachable by the scraper alone); on the main
    /// port `/metrics` needs ADMIN_TOKEN.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Static token for the platform administration API (`/admin/tenants`,
    /// `/admin/users`), at least 32 bytes; admin JWTs work without it.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true, value_parser = secret)]
    pub admin_token: Option<SecretString>,

    /// TESTING ONLY: no authentication; every request acts for this tenant.
    /// Refused unless HOST is a loopback address (for the conformance suite,
    /// which cannot send tokens).
    #[arg(long, env = "INSECURE_TENANT", value_name = "TENANT_ID")]
    pub insecure_tenant: Option<TenantId>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            host: DEFAULT_HOST,
            port: DEFAULT_PORT,
            quendoo_base_url: DEFAULT_QUENDOO_BASE_URL.to_owned(),
            quendoo_email_url: None,
            quendoo_automation_url: None,
            connection_idle_ttl: DEFAULT_CONNECTION_IDLE_TTL,
            quendoo_connect_timeout: Duration::from_secs(5),
            quendoo_request_timeout: Duration::from_secs(30),
            quendoo_max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            quendoo_answers_in_flight_bytes: DEFAULT_ANSWERS_IN_FLIGHT_BYTES,
            header_read_timeout: Duration::from_secs(10),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            tool_call_timeout: Duration::from_secs(25),
            confirmation_ttl: Duration::from_secs(5 * 60),
            result_budget: ResultBudget::DEFAULT,
            hotel_cache_capacity: DEFAULT_HOTEL_CACHE_CAPACITY,
            request_timeout: Duration::from_secs(120),
            public_url: None,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            comms_hourly_limit: DEFAULT_COMMS_HOURLY_LIMIT,
            tenant_calls_per_minute: DEFAULT_TENANT_CALLS_PER_MINUTE,
            tenant_calls_in_flight: DEFAULT_TENANT_CALLS_IN_FLIGHT,
            legacy_sse: true,
            legacy_auto_tenant: false,
            legacy_sse_keepalive: DEFAULT_LEGACY_SSE_KEEPALIVE,
            legacy_sse_max_streams: DEFAULT_LEGACY_SSE_MAX_STREAMS,
            legacy_sse_max_streams_per_address: DEFAULT_LEGACY_SSE_MAX_STREAMS_PER_ADDRESS,
            redis_url: None,
            oauth_access_token_ttl: Duration::from_secs(3600),
            oauth_refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            oauth_cimd_allow_loopback: false,
            demo: false,
            metrics_addr: None,
            admin_token: None,
            insecure_tenant: None,
        }
    }
}

impl ServeArgs {
    /// The per-hotel bounds on tool calls.
    pub fn call_bounds(&self) -> crate::limits::Bounds {
        let bound = |n: u32| (n > 0).then_some(n);
        crate::limits::Bounds {
            name: "tenant_calls",
            per_minute: bound(self.tenant_calls_per_minute),
            in_flight: bound(self.tenant_calls_in_flight),
            longest_hold: self.tool_call_timeout,
        }
    }
}

/// Everything `serve` needs, checked.
#[derive(Debug)]
pub struct Settings {
    pub serve: ServeArgs,
    pub database_url: SecretString,
    pub cipher: Cipher,
    pub jwt: JwtKeys,
}

/// A configuration problem, stated so that the operator knows what to do.
/// Never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{var} is not set; run `quendoo-mcp keygen` to make one (or use --dev for local development)"
    )]
    Missing { var: &'static str },
    #[error("{var} {problem}; run `quendoo-mcp keygen` to make a good one")]
    Weak { var: &'static str, problem: String },
    #[error(transparent)]
    DevSecrets(#[from] dev_secrets::DevSecretsError),
}

/// The secrets in effect: from flags/environment, completed from the
/// development secrets file in `--dev` mode.
#[derive(Debug)]
pub struct SecretConfig {
    encryption_key: Option<SecretString>,
    previous_encryption_keys: Option<SecretString>,
    jwt_secret: Option<SecretString>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
}

impl GlobalArgs {
    /// Resolves the secrets; with `dev`, missing ones come from (or are
    /// generated into) the development secrets file.
    pub fn secrets(&self, dev: bool) -> Result<SecretConfig, ConfigError> {
        let given = &self.secrets;
        let mut config = SecretConfig {
            encryption_key: non_empty(&given.encryption_key),
            previous_encryption_keys: non_empty(&given.previous_encryption_keys),
            jwt_secret: non_empty(&given.jwt_secret),
            jwt_issuer: given.jwt_issuer.clone(),
            jwt_audience: given.jwt_audience.clone(),
        };
        if dev && (config.encryption_key.is_none() || config.jwt_secret.is_none()) {
            let generated = dev_secrets::load_or_create(dev_secrets::default_path())?;
            config
                .encryption_key
                .get_or_insert(generated.encryption_key);
            config.jwt_secret.get_or_insert(generated.jwt_secret);
        }
        Ok(config)
    }
}

impl SecretConfig {
    /// The cipher over ENCRYPTION_KEY (and PREVIOUS_ENCRYPTION_KEYS).
    pub fn cipher(&self) -> Result<Cipher, ConfigError> {
        const VAR: &str = "ENCRYPTION_KEY";
        let current = self
            .encryption_key
            .as_ref()
            .ok_or(ConfigError::Missing { var: VAR })?;
        let current =
            EncryptionKey::from_base64(current.expose_secret()).map_err(|e| ConfigError::Weak {
                var: VAR,
                problem: e.to_string(),
            })?;
        let previous = match &self.previous_encryption_keys {
            None => Vec::new(),
            Some(list) => list
                .expose_secret()
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .enumerate()
                .map(|(i, k)| {
                    EncryptionKey::from_base64(k).map_err(|e| ConfigError::Weak {
                        var: "PREVIOUS_ENCRYPTION_KEYS",
                        problem: format!("entry {} {e}", i + 1),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Cipher::new(&current, &previous))
    }

    /// The token keys over JWT_SECRET (at least 32 bytes).
    pub fn jwt_keys(&self) -> Result<JwtKeys, ConfigError> {
        const VAR: &str = "JWT_SECRET";
        let secret = self
            .jwt_secret
            .as_ref()
            .ok_or(ConfigError::Missing { var: VAR })?;
        let len = secret.expose_secret().len();
        if len < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::Weak {
                var: VAR,
                problem: format!(
                    "is too short ({len} bytes; at least {MIN_JWT_SECRET_BYTES} are needed)"
                ),
            });
        }
        Ok(JwtKeys::new(
            secret,
            self.jwt_issuer.clone(),
            self.jwt_audience.clone(),
        ))
    }
}

fn non_empty(value: &Option<SecretString>) -> Option<SecretString> {
    value
        .as_ref()
        .filter(|v| !v.expose_secret().trim().is_empty())
        .cloned()
}

/// Clap parser for secrets: accepts anything, so that a clap error can never
/// echo a secret; the checks above report problems without the value.
fn secret(value: &str) -> Result<SecretString, Infallible> {
    Ok(value.into())
}

fn http_url(value: &str) -> Result<String, String> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err("must start with http:// or https://".into())
    }
}

/// Parses humane durations: `90s`, `30m`, `1h`, `7d`, or sums like `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HINT: &str = "expected a duration like 30s, 15m, 1h, 7d or 1h30m";
    let text = text.trim();
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(HINT.into()),
        };
        let n: u64 = digits.parse().map_err(|_| HINT.to_owned())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| "duration is too long".to_owned())?;
        digits.clear();
    }
    if !digits.is_empty() || total == 0 {
        return Err(HINT.into());
    }
    Ok(Duration::from_secs(total))
}

/// Parses a moment for a filter: RFC 3339 (`2026-12-01T08:00:00Z`), a
/// date (`2026-12-01`, its midnight UTC), or a duration before now (`24h`).
pub fn parse_moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    let ago = parse_duration(text).map_err(|_| {
        "expected a time like 2026-12-01T08:00:00Z, a date like 2026-12-01, or a duration \
         before now like 24h or 7d"
            .to_owned()
    })?;
    chrono::Duration::from_std(ago)
        .ok()
        .and_then(|ago| chrono::Utc::now().checked_sub_signed(ago))
        .ok_or_else(|| "that is too long ago".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments() {
        assert_eq!(
            parse_moment("2026-12-01").unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_moment("2026-12-01T10:30:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T08:30:00+00:00"
        );
        let day_ago = chrono::Utc::now() - parse_moment("24h").unwrap();
        assert!((day_ago.num_seconds() - 86_400).abs() < 5, "{day_ago}");
        for bad in ["", "yesterday", "2026-13-01", "99999999999d"] {
            assert!(parse_moment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        for bad in [
            "",
            "0h",
            "1",
            "h",
            "1x",
            "-1h",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    fn with(enc: Option<&str>, prev: Option<&str>, jwt: Option<&str>) -> SecretConfig {
        SecretConfig {
            encryption_key: enc.map(SecretString::from),
            previous_encryption_keys: prev.map(SecretString::from),
            jwt_secret: jwt.map(SecretString::from),
            jwt_issuer: None,
            jwt_audience: None,
        }
    }

    #[test]
    fn missing_and_weak_secrets_name_the_variable_and_keygen() {
        let missing = with(None, None, None);
        for err in [
            missing.cipher().unwrap_err().to_string(),
            missing.jwt_keys().unwrap_err().to_string(),
        ] {
            assert!(err.contains("quendoo-mcp keygen"), "{err}");
        }
        let weak = with(Some("c2hvcnQ="), Some("zzz"), Some("short-secret"));
        let err = weak.cipher().unwrap_err().to_string();
        assert!(err.starts_with("ENCRYPTION_KEY "), "{err}");
        assert!(!err.contains("c2hvcnQ="), "{err}");
        let err = weak.jwt_keys().unwrap_err().to_string();
        assert!(err.starts_with("JWT_SECRET is too short"), "{err}");
        assert!(!err.contains("short-secret"), "{err}");

        let good = EncryptionKey::generate().unwrap().to_base64();
        let bad_previous = with(Some(good.expose_secret()), Some("zzz"), None);
        let err = bad_previous.cipher().unwrap_err().to_string();
        assert!(err.starts_with("PREVIOUS_ENCRYPTION_KEYS entry 1"), "{err}");
    }
}
