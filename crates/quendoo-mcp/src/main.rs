use std::process::ExitCode;

use clap::Parser;
use quendoo_mcp::cli::{self, Cli};
use quendoo_mcp::{config, telemetry};

/// A fifth less CPU per request than the system's malloc (bench/README.md,
/// "mimalloc as the server's allocator"); the library and its tests keep the default.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    config::load_dotenv();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return cli::report_usage_error(err),
    };
    let _telemetry = telemetry::init(
        cli.global.log_format,
        cli.global.log_filter.as_deref(),
        cli.command.default_log_filter(),
    );
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => cli::report_error(&err),
    }
}
