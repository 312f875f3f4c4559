use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quendoo_mcp::auth::JwtKeys;
use quendoo_mcp::crypto::{Cipher, EncryptionKey};
use quendoo_mcp::domain::KeyName;
use quendoo_mcp::secrets::SecretStore;
use quendoo_mcp::storage::Store;
use secrecy::ExposeSecret;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_quendoo-mcp");
const JWT_SECRET: &str = "cli-test-secret-cli-test-secret-0123";

/// The binary in its own directory with its own database and an
/// environment holding only what a test passes.
pub(crate) struct Cli {
    dir: TempDir,
    database_url: String,
}

pub(crate) struct Run {
    pub(crate) ok: bool,
    stdout: String,
    pub(crate) stderr: String,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("cli.db").display());
        Cli { dir, database_url }
    }

    pub(crate) fn on(database_url: &str) -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
            database_url: database_url.to_owned(),
        }
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("DATABASE_URL", &self.database_url)
            .envs(env.iter().copied())
            .current_dir(self.dir.path());
        cmd
    }

    pub(crate) fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        let mut child = self
            .command(args, env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_with(args, env, "")
    }

    /// Succeeds; returns standard output without the final newline.
    pub(crate) fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let run = self.run(args, env);
        assert!(run.ok, "{args:?} failed: {}", run.stderr);
        run.stdout.trim_end().to_owned()
    }

    /// Fails with exactly one line on standard error; returns it.
    fn fails(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        one_error_line(self.run(args, env), args)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    async fn store(&self) -> Store {
        Store::connect(&self.database_url).await.unwrap()
    }
}

fn one_error_line(run: Run, args: &[&str]) -> String {
    assert!(!run.ok, "{args:?} should fail; stdout: {}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: one error line expected: {:?}",
        run.stderr
    );
    lines[0].to_owned()
}

fn new_key() -> String {
    EncryptionKey::generate()
        .unwrap()
        .to_base64()
        .expose_secret()
        .to_owned()
}

#[test]
fn tenant_commands() {
    let cli = Cli::new();
    let generated = cli.ok(&["tenant", "create", "--name", "Hotel Sofia"], &[]);
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    let json: Value = serde_json::from_str(&cli.ok(
        &[
            "tenant",
            "create",
            "--name",
            "Hotel One",
            "--id",
            "hotel-1",
            "--json",
        ],
        &[],
    ))
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"id": "hotel-1", "name": "Hotel One"})
    );

    let list: Value = serde_json::from_str(&cli.ok(&["tenant", "list", "--json"], &[])).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"hotel-1") && ids.contains(&generated.as_str()));
    assert_eq!(cli.ok(&["tenant", "list"], &[]).lines().count(), 2);

    let dup = cli.fails(&["tenant", "create", "--name", "X", "--id", "hotel-1"], &[]);
    assert!(dup.contains("tenant 'hotel-1' already exists"), "{dup}");
    let bad_id = cli.fails(&["tenant", "create", "--name", "X", "--id", "bad id"], &[]);
    assert!(bad_id.contains("tenant id must be"), "{bad_id}");
    let no_name = cli.fails(&["tenant", "create", "--name", " "], &[]);
    assert!(no_name.contains("tenant name"), "{no_name}");

    cli.ok(&["tenant", "delete", "hotel-1"], &[]);
    let gone = cli.fails(&["tenant", "delete", "hotel-1"], &[]);
    assert_eq!(gone, "error: tenant 'hotel-1' not found");
}

#[test]
fn policy_commands() {
    let cli = Cli::new();
    cli.ok(&["tenant", "create", "--name", "A", "--id", "a"], &[]);
    cli.ok(&["tenant", "create", "--name", "B", "--id", "b"], &[]);
    assert_eq!(
        cli.ok(&["policy", "show", "--tenant", "a"], &[]),
        "toolsets\tproperty,availability,bookings,offers,comms\nread_only\tfalse\n\
         pms_writes\tconfirm\ncomms\tconfirm"
    );
    let set = cli.ok(
        &[
            "policy",
            "set",
            "--tenant",
            "a",
            "--toolsets",
            "offers,bookings",
            "--pms-writes",
            "direct",
        ],
        &[],
    );
    assert_eq!(
        set,
        "toolsets\tbookings,offers\nread_only\tfalse\npms_writes\tdirect\ncomms\tconfirm"
    );
    // A later change keeps what it does not name.
    let json: Value = serde_json::from_str(&cli.ok(
        &[
            "policy",
            "set",
            "--tenant",
            "a",
            "--read-only",
            "true",
            "--json",
        ],
        &[],
    ))
    .unwrap();
    let expected = serde_json::json!({"toolsets": ["bookings", "offers"], "read_only": true,
        "pms_writes": "direct", "comms": "confirm"});
    assert_eq!(json, expected);
    let shown: Value =
        serde_json::from_str(&cli.ok(&["policy", "show", "--tenant", "a", "--json"], &[])).unwrap();
    assert_eq!(shown, expected);
    let other: Value =
        serde_json::from_str(&cli.ok(&["policy", "show", "--tenant", "b", "--json"], &[])).unwrap();
    assert_eq!(other["toolsets"].as_array().unwrap().len(), 5, "{other}");

    for (args, says) in [
        (vec!["--toolsets", "spa"], "unknown toolset `spa`"),
        (vec!["--toolsets", ""], "name at least one toolset"),
        (vec!["--read-only", "yes"], "--read-only"),
        (vec!["--comms", "later"], "confirm or direct"),
        (vec![], "--toolsets"),
    ] {
        let mut full = vec!["policy", "set", "--tenant", "a"];
        full.extend(args);
        let error = cli.fails(&full, &[]);
        assert!(error.contains(says), "{full:?}: {error}");
    }
    assert_eq!(
        cli.fails(&["policy", "show", "--tenant", "nope"], &[]),
        "error: tenant 'nope' not found"
    );
    assert_eq!(
        cli.fails(
            &["policy", "set", "--tenant", "nope", "--comms", "direct"],
            &[]
        ),
        "error: tenant 'nope' not found"
    );
    let unchanged: Value =
        serde_json::from_str(&cli.ok(&["policy", "show", "--tenant", "a", "--json"], &[])).unwrap();
    assert_eq!(unchanged, expected, "refused changes changed nothing");
}

#[test]
fn user_commands() {
    let cli = Cli::new();
    cli.ok(&["tenant", "create", "--name", "A", "--id", "a"], &[]);
    cli.ok(&["tenant", "create", "--name", "B", "--id", "b"], &[]);
    let id = cli.ok(
        &["user", "create", "--tenant", "a", "--email", "maria@a.bg"],
        &[],
    );
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let json: Value = serde_json::from_str(&cli.ok(
        &[
            "user",
            "create",
            "--tenant",
            "b",
            "--email",
            "ivan@b.bg",
            "--json",
        ],
        &[],
    ))
    .unwrap();
    assert_eq!(json["tenant_id"], "b");
    assert_eq!(json["email"], "ivan@b.bg");

    let dup = cli.fails(
        &["user", "create", "--tenant", "b", "--email", "Maria@A.bg"],
        &[],
    );
    assert!(dup.contains("maria@a.bg already exists"), "{dup}");
    let ghost = cli.fails(
        &["user", "create", "--tenant", "ghost", "--email", "x@y.com"],
        &[],
    );
    assert_eq!(ghost, "error: tenant 'ghost' not found");
    let bad = cli.fails(
        &["user", "create", "--tenant", "a", "--email", "not-an-email"],
        &[],
    );
    assert!(bad.contains("e-mail address"), "{bad}");

    let of_a: Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--tenant", "a", "--json"], &[])).unwrap();
    assert_eq!(of_a.as_array().unwrap().len(), 1);
    assert_eq!(of_a[0]["email"], "maria@a.bg");
    assert_eq!(cli.ok(&["user", "list"], &[]).lines().count(), 2);
    let unknown = cli.fails(&["user", "list", "--tenant", "ghost"], &[]);
    assert_eq!(unknown, "error: tenant 'ghost' not found");
}

#[tokio::test]
async fn passwords_and_oauth_grants_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["tenant", "create", "--name", "A", "--id", "a"], &[]);
    cli.ok(
        &["user", "create", "--tenant", "a", "--email", "maria@a.bg"],
        &[],
    );
    let secret = "a-long-enough-password-4711";
    let set = cli.run_with(
        &["user", "set-password", "--email", "maria@a.bg"],
        &[],
        &format!("{secret}\n"),
    );
    assert!(set.ok, "{}", set.stderr);
    assert!(!set.stdout.contains(secret) && !set.stderr.contains(secret));
    let short = cli.run_with(
        &["user", "set-password", "--email", "maria@a.bg"],
        &[],
        "short\n",
    );
    assert!(
        !short.ok && short.stderr.contains("at least 12"),
        "{}",
        short.stderr
    );
    let nobody = cli.fails(&["user", "set-password", "--email", "no@a.bg"], &[]);
    assert!(
        nobody.contains("no user has the e-mail no@a.bg"),
        "{nobody}"
    );
    cli.ok(&["user", "disable", "--email", "maria@a.bg"], &[]);
    cli.ok(&["user", "enable", "--email", "maria@a.bg"], &[]);

    // The hash is what is stored; the password checks against it.
    let store = Store::connect(&cli.database_url).await.unwrap();
    let record = store
        .sign_in_record(&"maria@a.bg".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let hash = record.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(secret));
    assert!(quendoo_mcp::auth::password::verify(Some(&hash), secret));
    assert!(!record.disabled);

    assert_eq!(cli.ok(&["oauth", "clients", "list"], &[]), "");
    assert_eq!(cli.ok(&["oauth", "grants", "list", "--json"], &[]), "[]");
    let missing = cli.fails(&["oauth", "grants", "revoke", "g-none"], &[]);
    assert!(missing.contains("no active grant"), "{missing}");
}

#[tokio::test]
async fn api_key_set_never_echoes_the_value() {
    const VALUE: &str = "sk_live_TOP-SECRET-value-42";
    let cli = Cli::new();
    let key = new_key();
    let env = [("ENCRYPTION_KEY", key.as_str()), ("RUST_LOG", "trace")];
    cli.ok(&["tenant", "create", "--name", "T", "--id", "t"], &[]);

    let set = cli.run_with(
        &[
            "api-key",
            "set",
            "--tenant",
            "t",
            "--name",
            "QUENDOO_API_KEY",
        ],
        &env,
        &format!("{VALUE}\n"),
    );
    assert!(set.ok, "{}", set.stderr);
    assert!(
        set.stdout.contains("stored QUENDOO_API_KEY"),
        "{}",
        set.stdout
    );
    for shown in [
        &set.stdout,
        &set.stderr,
        &cli.ok(&["api-key", "list", "--tenant", "t"], &env),
        &cli.ok(&["api-key", "list", "--tenant", "t", "--json"], &env),
    ] {
        assert!(!shown.contains(VALUE), "value leaked: {shown}");
    }
    for file in ["cli.db", "cli.db-wal"] {
        if let Ok(bytes) = std::fs::read(cli.path(file)) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(VALUE), "plaintext in {file}");
        }
    }

    let listed: Value =
        serde_json::from_str(&cli.ok(&["api-key", "list", "--tenant", "t", "--json"], &[]))
            .unwrap();
    assert_eq!(listed[0]["key_name"], "QUENDOO_API_KEY");
    assert_eq!(listed[0]["is_active"], true);

    // Stored exactly, without the trailing newline.
    let cipher = Cipher::new(&EncryptionKey::from_base64(&key).unwrap(), &[]);
    let secrets = SecretStore::new(cli.store().await, Arc::new(cipher));
    let stored = secrets
        .get(&"t".parse().unwrap(), KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.expose_secret(), VALUE);
}

#[test]
fn api_key_errors_and_delete() {
    let cli = Cli::new();
    let key = new_key();
    let env = [("ENCRYPTION_KEY", key.as_str())];
    cli.ok(&["tenant", "create", "--name", "T", "--id", "t"], &[]);
    let set = |tenant: &str, name: &str, env: &[(&str, &str)], stdin: &str| {
        cli.run_with(
            &["api-key", "set", "--tenant", tenant, "--name", name],
            env,
            stdin,
        )
    };
    let args = ["api-key", "set"];

    for empty in ["", "\n", "   \n"] {
        let line = one_error_line(set("t", "EMAIL_API_KEY", &env, empty), &args);
        assert!(line.contains("empty"), "{line}");
    }
    let line = one_error_line(set("t", "OPENAI_KEY", &env, "v"), &args);
    assert!(line.contains("unknown key name"), "{line}");
    assert!(line.contains("QUENDOO_API_KEY, EMAIL_API_KEY, QUENDOO_AUTOMATION_BEARER"));
    let line = one_error_line(set("ghost", "EMAIL_API_KEY", &env, "v"), &args);
    assert_eq!(line, "error: tenant 'ghost' not found");

    let line = one_error_line(set("t", "EMAIL_API_KEY", &[], "v"), &args);
    assert!(line.contains("ENCRYPTION_KEY is not set"), "{line}");
    assert!(line.contains("quendoo-mcp keygen"), "{line}");
    let weak = [("ENCRYPTION_KEY", "c2hvcnQ=")];
    let line = one_error_line(set("t", "EMAIL_API_KEY", &weak, "v"), &args);
    assert!(
        line.contains("ENCRYPTION_KEY must be base64 of exactly 32 bytes"),
        "{line}"
    );
    assert!(!line.contains("c2hvcnQ="), "{line}");

    assert!(set("t", "EMAIL_API_KEY", &env, "mail-key").ok);
    // Listing and deleting need no key at all.
    cli.ok(
        &[
            "api-key",
            "delete",
            "--tenant",
            "t",
            "--name",
            "EMAIL_API_KEY",
        ],
        &[],
    );
    let again = cli.fails(
        &[
            "api-key",
            "delete",
            "--tenant",
            "t",
            "--name",
            "EMAIL_API_KEY",
        ],
        &[],
    );
    assert_eq!(again, "error: tenant 't' has no active EMAIL_API_KEY");
    let listed = cli.ok(&["api-key", "list", "--tenant", "t"], &[]);
    assert!(listed.starts_with("EMAIL_API_KEY\tdeleted"), "{listed}");
}

#[tokio::test]
async fn rotate_encryption_key_re_encrypts_everything() {
    let cli = Cli::new();
    let (old, new) = (new_key(), new_key());
    cli.ok(&["tenant", "create", "--name", "T", "--id", "t"], &[]);
    let set = cli.run_with(
        &[
            "api-key",
            "set",
            "--tenant",
            "t",
            "--name",
            "QUENDOO_API_KEY",
        ],
        &[("ENCRYPTION_KEY", old.as_str())],
        "pms-key",
    );
    assert!(set.ok, "{}", set.stderr);

    let missing = cli.fails(&["rotate-encryption-key"], &[]);
    assert!(missing.contains("ENCRYPTION_KEY"), "{missing}");
    let out = cli.ok(
        &["rotate-encryption-key"],
        &[
            ("ENCRYPTION_KEY", new.as_str()),
            ("PREVIOUS_ENCRYPTION_KEYS", old.as_str()),
        ],
    );
    assert!(out.contains("1 re-encrypted"), "{out}");

    let only_new = Cipher::new(&EncryptionKey::from_base64(&new).unwrap(), &[]);
    let secrets = SecretStore::new(cli.store().await, Arc::new(only_new));
    let value = secrets
        .get(&"t".parse().unwrap(), KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(value.expose_secret(), "pms-key");

    // Without the old key, nothing else can be decrypted: a clear failure.
    let third = new_key();
    let failed = cli.fails(
        &["rotate-encryption-key"],
        &[("ENCRYPTION_KEY", third.as_str())],
    );
    assert!(failed.contains("could not be decrypted"), "{failed}");
    assert!(failed.contains("t/QUENDOO_API_KEY"), "{failed}");
}

#[test]
fn token_command() {
    let cli = Cli::new();
    let env = [("JWT_SECRET", JWT_SECRET)];
    cli.ok(&["tenant", "create", "--name", "A", "--id", "a"], &[]);
    cli.ok(&["tenant", "create", "--name", "B", "--id", "b"], &[]);
    let user = cli.ok(
        &["user", "create", "--tenant", "a", "--email", "u@a.bg"],
        &[],
    );

    let missing = cli.fails(&["token", "--tenant", "a"], &[]);
    assert!(missing.contains("JWT_SECRET is not set"), "{missing}");
    assert!(missing.contains("quendoo-mcp keygen"), "{missing}");
    let short = cli.fails(&["token", "--tenant", "a"], &[("JWT_SECRET", "short")]);
    assert!(short.contains("JWT_SECRET is too short"), "{short}");

    let token = cli.ok(
        &["token", "--tenant", "a", "--user", &user, "--ttl", "30m"],
        &env,
    );
    let keys = JwtKeys::new(&JWT_SECRET.into(), None, None);
    let claims = keys.verify(&token).unwrap();
    assert_eq!(claims.tenant_id.unwrap().as_str(), "a");
    assert_eq!(claims.sub.as_deref(), Some(user.as_str()));
    assert_eq!(claims.exp - claims.iat.unwrap(), 1800);
    let default_ttl = keys
        .verify(&cli.ok(&["token", "--tenant", "b"], &env))
        .unwrap();
    assert_eq!(default_ttl.exp - default_ttl.iat.unwrap(), 3600);
    assert_eq!(default_ttl.sub, None);

    let other = cli.fails(&["token", "--tenant", "b", "--user", &user], &env);
    assert!(other.contains("is not a user of tenant 'b'"), "{other}");
    let ghost = cli.fails(&["token", "--tenant", "ghost"], &env);
    assert_eq!(ghost, "error: tenant 'ghost' not found");
    let ttl = cli.fails(&["token", "--tenant", "a", "--ttl", "soon"], &env);
    assert!(ttl.contains("duration"), "{ttl}");
    let long = cli.fails(&["token", "--tenant", "a", "--ttl", "400d"], &env);
    assert!(long.contains("at most 365d"), "{long}");
}

#[test]
fn keygen_and_migrate() {
    let cli = Cli::new();
    let out = cli.ok(&["keygen"], &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let key = lines[0].strip_prefix("ENCRYPTION_KEY=").unwrap();
    assert!(EncryptionKey::from_base64(key).is_ok());
    let jwt = lines[1].strip_prefix("JWT_SECRET=").unwrap();
    assert!(jwt.len() >= 32);
    assert_ne!(cli.ok(&["keygen"], &[]), out);
    assert!(!cli.path("cli.db").exists(), "keygen needs no database");

    assert_eq!(cli.ok(&["migrate"], &[]), "database is up to date");
    assert!(cli.path("cli.db").exists());
    assert_eq!(cli.ok(&["migrate"], &[]), "database is up to date");
}

#[test]
fn dev_mode_generates_private_secrets_once() {
    let cli = Cli::new();
    cli.ok(&["tenant", "create", "--name", "T", "--id", "t"], &[]);
    let first = cli.ok(&["token", "--tenant", "t", "--dev"], &[]);
    let file = cli.path(".quendoo-mcp/dev-secrets.json");
    let secrets: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let jwt = secrets["jwt_secret"].as_str().unwrap();
    let keys = JwtKeys::new(&jwt.into(), None, None);
    assert!(keys.verify(&first).is_ok());
    // Reused by later runs (the env form of the flag too).
    let second = cli.ok(&["token", "--tenant", "t"], &[("QUENDOO_MCP_DEV", "true")]);
    assert!(keys.verify(&second).is_ok());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
}

#[test]
fn serve_refuses_to_start_half_configured() {
    let cli = Cli::new();
    let line = cli.fails(&["serve", "--port", "0"], &[("JWT_SECRET", JWT_SECRET)]);
    assert!(line.contains("ENCRYPTION_KEY is not set"), "{line}");
    let key = new_key();
    let line = cli.fails(
        &["serve", "--port", "0"],
        &[("ENCRYPTION_KEY", key.as_str())],
    );
    assert!(line.contains("JWT_SECRET is not set"), "{line}");
    assert!(!cli.path("cli.db").exists(), "nothing was started");
    // A testing switch is refused on a public address.
    let line = cli.fails(
        &["serve", "--port", "0", "--host", "0.0.0.0"],
        &[
            ("ENCRYPTION_KEY", key.as_str()),
            ("JWT_SECRET", JWT_SECRET),
            ("OAUTH_CIMD_ALLOW_LOOPBACK", "true"),
        ],
    );
    assert!(line.contains("OAUTH_CIMD_ALLOW_LOOPBACK"), "{line}");
}

/// `serve --demo` on a free port with `env`, its log on a pipe; returns
/// the process, its address, and `/health`'s first answer.
async fn serve_demo(cli: &Cli, env: &[(&str, &str)]) -> (std::process::Child, String, Value) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = cli
        .command(&["serve", "--demo", "--port", &port.to_string()], env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        if let Ok(response) = reqwest::get(format!("{base}/health")).await {
            assert_eq!(response.status(), 200);
            break response.json::<Value>().await.unwrap();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve --demo exited early: {status}");
        }
        assert!(Instant::now() < deadline, "serve --demo did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    (child, base, body)
}

#[tokio::test]
async fn serve_demo_answers_health() {
    let cli = Cli::new();
    let (mut child, _, body) = serve_demo(&cli, &[("RUST_LOG", "debug")]).await;
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(body["status"], "healthy");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DEVELOPMENT SECRETS"), "{stderr}");
    let file = std::fs::read_to_string(cli.path(".quendoo-mcp/dev-secrets.json")).unwrap();
    let secrets: Value = serde_json::from_str(&file).unwrap();
    for name in ["jwt_secret", "encryption_key"] {
        let value = secrets[name].as_str().unwrap();
        assert!(!stderr.contains(value), "{name} appears in the logs");
    }
}

/// A reader of the log that stops reading (a stalled log shipper, a
/// paused terminal) fills its pipe; the server goes on answering, and
/// counts the lines it had to drop. Each answer must come within ten
/// seconds: before the log had a thread of its own, the server stopped
/// answering altogether once the pipe was full.
#[tokio::test]
async fn a_log_nobody_reads_never_stops_the_server() {
    let cli = Cli::new();
    let admin = new_key();
    let env = [("RUST_LOG", "debug"), ("ADMIN_TOKEN", admin.as_str())];
    // The pipe is never read while the server runs.
    let (mut child, base, _) = serve_demo(&cli, &env).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let metrics = async || {
        let text = client
            .get(format!("{base}/metrics"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("the server stopped answering")
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix("quendoo_mcp_log_lines_dropped_total "))
            .expect("the dropped lines are counted")
            .parse::<u64>()
            .unwrap()
    };
    let mut answered = 0;
    while metrics().await == 0 {
        assert!(answered < 20_000, "{answered} requests and no line dropped");
        for _ in 0..500 {
            let health = client.get(format!("{base}/health")).send().await;
            assert_eq!(
                health.expect("the server stopped answering").status(),
                200,
                "after {answered} answers"
            );
            answered += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn cli_on_postgres() {
    let db = TestDb::postgres().await;
    let cli = Cli::on(&db.url);
    cli.ok(
        &["tenant", "create", "--name", "PG Hotel", "--id", "pg"],
        &[],
    );
    cli.ok(
        &["user", "create", "--tenant", "pg", "--email", "a@pg.bg"],
        &[],
    );
    let dup = cli.fails(
        &["user", "create", "--tenant", "pg", "--email", "a@pg.bg"],
        &[],
    );
    assert!(dup.contains("already exists"), "{dup}");
    let listed = cli.ok(&["tenant", "list"], &[]);
    assert!(listed.starts_with("pg\tPG Hotel\t"), "{listed}");
}

#[test]
fn settings_come_from_a_dotenv_file() {
    let cli = Cli::new();
    cli.ok(&["tenant", "create", "--name", "T", "--id", "t"], &[]);
    std::fs::write(cli.path(".env"), format!("JWT_SECRET={JWT_SECRET}\n")).unwrap();
    let token = cli.ok(&["token", "--tenant", "t"], &[]);
    assert!(
        JwtKeys::new(&JWT_SECRET.into(), None, None)
            .verify(&token)
            .is_ok()
    );
}

#[test]
fn database_errors_never_show_the_password() {
    let cli = Cli::on("postgres://app:hunter2@127.0.0.1:1/quendoo");
    let line = cli.fails(&["tenant", "list"], &[]);
    assert!(
        line.contains("postgres://app:***@127.0.0.1:1/quendoo"),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[tokio::test]
async fn audit_list_filters_by_tenant_time_and_tool() {
    use quendoo_mcp::storage::AuditEntry;
    let cli = Cli::new();
    cli.ok(&["migrate"], &[]);
    let store = cli.store().await;
    let entry = |tenant: &str, tool: &str| AuditEntry {
        tenant_id: tenant.parse().unwrap(),
        user_id: None,
        tool: tool.into(),
        outcome: "ok".into(),
        duration_ms: 7,
        args_digest: "d".into(),
        transport: Some("mcp"),
        client: Some("claude-ai".into()),
        upstream_status: Some(200),
        connection: None,
    };
    store
        .record_audit(&[
            entry("hotel-a", "get_bookings"),
            entry("hotel-a", "ack_booking"),
            entry("hotel-b", "get_bookings"),
        ])
        .await
        .unwrap();
    let all = cli.ok(&["audit", "list"], &[]);
    assert_eq!(all.lines().count(), 3, "{all}");
    let table = cli.ok(
        &[
            "audit",
            "list",
            "--tenant",
            "hotel-a",
            "--tool",
            "ack_booking",
        ],
        &[],
    );
    let fields: Vec<&str> = table.split('\t').collect();
    assert_eq!(
        &fields[1..],
        [
            "hotel-a",
            "ack_booking",
            "ok",
            "7 ms",
            "200",
            "mcp",
            "claude-ai",
            "-"
        ],
        "{table}"
    );
    let json = cli.ok(
        &[
            "audit", "list", "--tenant", "hotel-a", "--since", "1h", "--json",
        ],
        &[],
    );
    let entries: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e["tenant_id"] == "hotel-a" && e["upstream_status"] == 200)
    );
    let later = cli.ok(&["audit", "list", "--since", "2099-01-01"], &[]);
    assert!(later.is_empty(), "{later}");
    let bad = cli.fails(&["audit", "list", "--since", "yesterday"], &[]);
    assert!(bad.contains("--since") && bad.contains("24h"), "{bad}");
}
