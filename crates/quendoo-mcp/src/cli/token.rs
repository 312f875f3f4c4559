use std::time::Duration;

use clap::Args;

use super::open_store;
use crate::config::{GlobalArgs, parse_duration};
use crate::domain::{TenantId, UserId};

const MAX_TTL: Duration = Duration::from_secs(365 * 86_400);

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[arg(long)]
    tenant: TenantId,
    /// Becomes the `sub` claim; must be a user of the tenant.
    #[arg(long)]
    user: Option<UserId>,
    /// Lifetime, e.g. 30m, 1h, 7d (at most 365d).
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    ttl: Duration,
}

pub(super) async fn run(global: &GlobalArgs, args: TokenArgs) -> anyhow::Result<()> {
    let keys = global.secrets(global.dev)?.jwt_keys()?;
    if args.ttl > MAX_TTL {
        anyhow::bail!("--ttl must be at most 365d");
    }
    let store = open_store(global).await?;
    store.require_tenant(&args.tenant).await?;
    if let Some(user) = &args.user {
        let known = store.get_user(user).await?;
        if known.is_none_or(|u| u.tenant_id != args.tenant) {
            anyhow::bail!("user '{user}' is not a user of tenant '{}'", args.tenant);
        }
    }
    println!(
        "{}",
        keys.issue(&args.tenant, args.user.as_ref(), args.ttl)?
    );
    Ok(())
}
