//! `quendoo-sim`: serves the simulated Quendoo PMS until interrupted.

use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use quendoo_sim::{PropertySpec, RunningSim, SimConfig};

/// A simulator of the Quendoo PMS API and its e-mail and voice-call services.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "QUENDOO_SIM_PORT", default_value_t = 8081)]
    port: u16,
    /// Address to listen on.
    #[arg(long, env = "QUENDOO_SIM_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// API key of a property to create (repeatable). Its bearers are
    /// `KEY-email` and `KEY-automation`. Without any, a demo property with
    /// random credentials is created.
    #[arg(long = "api-key")]
    api_keys: Vec<String>,
    /// Another API key for the first `--api-key`'s property (repeatable):
    /// many keys, one property's data (benchmarks of many hotels).
    #[arg(long = "alias-key", requires = "api_keys")]
    alias_keys: Vec<String>,
    /// Seed of the generated data.
    #[arg(long, env = "QUENDOO_SIM_SEED", default_value_t = 42)]
    seed: u64,
    /// Requests kept for `/__sim/requests`; 0 turns recording off (benchmarks).
    #[arg(long, default_value_t = 10_000)]
    record_limit: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let specs: Vec<PropertySpec> = cli
        .api_keys
        .iter()
        .map(|key| PropertySpec {
            api_key: key.clone(),
            email_bearer: format!("{key}-email"),
            automation_bearer: format!("{key}-automation"),
        })
        .collect();
    let config = SimConfig {
        seed: cli.seed,
        properties: specs.clone(),
    };
    let sim = RunningSim::start(config, SocketAddr::new(cli.host, cli.port)).await?;
    sim.set_record_limit(cli.record_limit);
    for alias in &cli.alias_keys {
        anyhow::ensure!(
            sim.alias_key(alias, &specs[0].api_key),
            "--alias-key {alias} is already a key"
        );
    }
    let specs = if specs.is_empty() {
        vec![sim.demo_property()]
    } else {
        specs
    };

    println!("quendoo-sim listening on {}", sim.addr());
    println!("  QUENDOO_BASE_URL={}", sim.pms_base_url());
    println!("  QUENDOO_EMAIL_URL={}", sim.email_base_url());
    println!("  QUENDOO_AUTOMATION_URL={}", sim.automation_base_url());
    for spec in specs {
        println!(
            "  property: QUENDOO_API_KEY={} EMAIL_API_KEY={} QUENDOO_AUTOMATION_BEARER={}",
            spec.api_key, spec.email_bearer, spec.automation_bearer
        );
    }

    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
