use anyhow::Context;
use clap::Subcommand;

use super::{open_store, print_json, read_secret};
use crate::config::GlobalArgs;
use crate::domain::{KeyName, TenantId};
use crate::secrets::SecretStore;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Store a secret, read from standard input (never from the command line,
    /// where it would land in shell history and process lists).
    Set {
        #[arg(long)]
        tenant: TenantId,
        /// QUENDOO_API_KEY, EMAIL_API_KEY or QUENDOO_AUTOMATION_BEARER.
        #[arg(long)]
        name: KeyName,
    },
    /// List a tenant's keys: names and dates, never values.
    List {
        #[arg(long)]
        tenant: TenantId,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate a key (soft delete).
    Delete {
        #[arg(long)]
        tenant: TenantId,
        #[arg(long)]
        name: KeyName,
    },
}

pub(super) async fn run(global: &GlobalArgs, command: ApiKeyCommand) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Set { tenant, name } => {
            // The key is checked before anything is read or opened.
            let cipher = global.secrets(global.dev)?.cipher()?;
            let store = open_store(global).await?;
            store.require_tenant(&tenant).await?;
            let value = read_secret(&format!("Value of {name}"))
                .context("cannot read the value from standard input")?;
            SecretStore::new(store, Arc::new(cipher))
                .set(&tenant, name, &value)
                .await
                .with_context(|| format!("cannot store {name}"))?;
            println!("stored {name} for tenant {tenant}");
        }
        ApiKeyCommand::List { tenant, json } => {
            let store = open_store(global).await?;
            store.require_tenant(&tenant).await?;
            let keys = store.list_api_keys(&tenant).await?;
            if json {
                print_json(&keys)?;
            } else {
                for k in keys {
                    let state = if k.is_active { "active" } else { "deleted" };
                    println!(
                        "{}\t{state}\tcreated {}\tupdated {}",
                        k.key_name,
                        k.created_at.to_rfc3339(),
                        k.updated_at.to_rfc3339()
                    );
                }
            }
        }
        ApiKeyCommand::Delete { tenant, name } => {
            let store = open_store(global).await?;
            store.require_tenant(&tenant).await?;
            if !store.delete_api_key(&tenant, name).await? {
                anyhow::bail!("tenant '{tenant}' has no active {name}");
            }
            println!("deleted {name} of tenant {tenant}");
        }
    }
    Ok(())
}
