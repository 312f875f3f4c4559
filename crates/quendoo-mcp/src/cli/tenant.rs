use clap::Subcommand;
use serde_json::json;

use super::{open_store, print_json};
use crate::config::GlobalArgs;
use crate::domain::{TenantId, TenantName};

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant; prints its id.
    Create {
        /// Display name of the hotel.
        #[arg(long)]
        name: TenantName,
        /// Id to use (1-64 of A-Z a-z 0-9 _ -); a UUID is generated if omitted.
        #[arg(long)]
        id: Option<TenantId>,
        /// Print `{"id", "name"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete a tenant with its users, api keys and connections.
    Delete { id: TenantId },
}

pub(super) async fn run(global: &GlobalArgs, command: TenantCommand) -> anyhow::Result<()> {
    let store = open_store(global).await?;
    match command {
        TenantCommand::Create { name, id, json } => {
            let tenant = store.create_tenant(id, name.as_str()).await?;
            if json {
                print_json(&json!({"id": tenant.id, "name": tenant.name}))?;
            } else {
                println!("{}", tenant.id);
            }
        }
        TenantCommand::List { json } => {
            let tenants = store.list_tenants().await?;
            if json {
                print_json(&tenants)?;
            } else {
                for t in tenants {
                    println!("{}\t{}\t{}", t.id, t.name, t.created_at.to_rfc3339());
                }
            }
        }
        TenantCommand::Delete { id } => {
            if !store.delete_tenant(&id).await? {
                anyhow::bail!("tenant '{id}' not found");
            }
            println!("deleted tenant {id}");
        }
    }
    Ok(())
}
