use clap::Subcommand;

use super::{open_store, print_json};
use crate::config::GlobalArgs;
use crate::domain::{EmailAddress, TenantId};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user of a tenant; prints the user's id.
    Create {
        #[arg(long)]
        tenant: TenantId,
        /// Unique across all tenants.
        #[arg(long)]
        email: EmailAddress,
        #[arg(long)]
        json: bool,
    },
    /// List users, of one tenant or of all.
    List {
        #[arg(long)]
        tenant: Option<TenantId>,
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(global: &GlobalArgs, command: UserCommand) -> anyhow::Result<()> {
    let store = open_store(global).await?;
    match command {
        UserCommand::Create {
            tenant,
            email,
            json,
        } => {
            let user = store.create_user(&tenant, &email).await?;
            if json {
                print_json(&user)?;
            } else {
                println!("{}", user.id);
            }
        }
        UserCommand::List { tenant, json } => {
            if let Some(tenant) = &tenant {
                store.require_tenant(tenant).await?;
            }
            let users = store.list_users(tenant.as_ref()).await?;
            if json {
                print_json(&users)?;
            } else {
                for u in users {
                    println!("{}\t{}\t{}", u.id, u.email, u.tenant_id);
                }
            }
        }
    }
    Ok(())
}
