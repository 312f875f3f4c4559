//! The admin command line. Command names and flags are an interface:
//! scripts and docs use them. Results go to standard output; an error is one
//! line on standard error and a non-zero exit.

mod api_key;
mod audit;
mod keys;
mod oauth;
mod policy;
mod tenant;
mod token;
mod user;

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::app::Application;
use crate::config::{GlobalArgs, ServeArgs, Settings};
use crate::storage::{Store, redact_database_url};

pub use api_key::ApiKeyCommand;
pub use audit::AuditCommand;
pub use oauth::OAuthCommand;
pub use policy::PolicyCommand;
pub use tenant::TenantCommand;
pub use token::TokenArgs;
pub use user::UserCommand;

/// Multi-tenant MCP server for the Quendoo hotel PMS.
#[derive(Debug, Parser)]
#[command(name = "quendoo-mcp", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Print a new ENCRYPTION_KEY and JWT_SECRET, ready for a .env file.
    Keygen,
    /// Manage tenants (hotels).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// See and set what a hotel's assistants may do: toolsets, read-only,
    /// confirmation of writes.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Manage dashboard users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage a tenant's secrets (values are read from standard input).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Re-encrypt every stored secret under the current ENCRYPTION_KEY
    /// (old keys go in PREVIOUS_ENCRYPTION_KEYS).
    RotateEncryptionKey,
    /// Print an HS256 token (JWT) for a tenant.
    Token(TokenArgs),
    /// See and end what hotel users granted to OAuth clients.
    #[command(subcommand)]
    Oauth(OAuthCommand),
    /// Read the audit trail of tool calls.
    #[command(subcommand)]
    Audit(AuditCommand),
}

impl Command {
    /// The server logs its life; admin commands only warnings, so that
    /// their standard error stays quiet unless something is wrong. The MCP
    /// SDK's INFO events (a stateless request starts and ends a whole
    /// service, three lines each) stay off unless `RUST_LOG` asks for them.
    pub fn default_log_filter(&self) -> &'static str {
        match self {
            Command::Serve(_) => "info,rmcp=warn",
            _ => "warn",
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    match cli.command {
        Command::Serve(args) => serve(global, *args).await,
        Command::Migrate => {
            open_store(global).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Keygen => keys::keygen(),
        Command::Tenant(command) => tenant::run(global, command).await,
        Command::Policy(command) => policy::run(global, command).await,
        Command::User(command) => user::run(global, command).await,
        Command::ApiKey(command) => api_key::run(global, command).await,
        Command::RotateEncryptionKey => keys::rotate(global).await,
        Command::Token(args) => token::run(global, args).await,
        Command::Oauth(command) => oauth::run(global, command).await,
        Command::Audit(command) => audit::run(global, command).await,
    }
}

async fn serve(global: &GlobalArgs, serve: ServeArgs) -> anyhow::Result<()> {
    // Secrets are checked before anything starts: never half-configured.
    let secrets = global.secrets(global.dev || serve.demo)?;
    let settings = Settings {
        cipher: secrets.cipher()?,
        jwt: secrets.jwt_keys()?,
        database_url: global.database_url.clone(),
        serve,
    };
    let app = Application::build(settings).await?;
    if let Some(welcome) = app.demo_welcome()? {
        // Standard output, not the log: the token is for the person at the terminal.
        println!("{welcome}");
    }
    tracing::info!(
        address = %app.local_addr(),
        database = %redact_database_url(global.database_url.expose_secret()),
        "quendoo-mcp listening"
    );
    app.run_until_stopped().await.context("server failed")
}

/// Opens and migrates the database: every admin command works on a fresh one.
async fn open_store(global: &GlobalArgs) -> anyhow::Result<Store> {
    let url = global.database_url.expose_secret();
    let store = Store::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_database_url(url)))?;
    store.migrate().await?;
    Ok(store)
}

fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Reads a secret from the whole of standard input (one line when it is a
/// terminal, after `prompt`) and drops one trailing newline. It is never
/// printed, and never taken from the command line.
fn read_secret(prompt: &str) -> std::io::Result<SecretString> {
    let stdin = std::io::stdin();
    let mut value = String::new();
    if stdin.is_terminal() {
        eprint!("{prompt} (then Enter): ");
        stdin.lock().read_line(&mut value)?;
    } else {
        stdin.lock().read_to_string(&mut value)?;
    }
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    Ok(value.into())
}

/// The error line for a failed command: the cause chain on one line.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    eprintln!("error: {}", one_line(&format!("{err:#}")));
    ExitCode::FAILURE
}

/// Clap's usage errors, folded onto one line (help and version pass through).
pub fn report_usage_error(err: clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        err.exit();
    }
    let rendered = err.to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    eprintln!("{} (see --help)", message.join(" "));
    ExitCode::from(2)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
