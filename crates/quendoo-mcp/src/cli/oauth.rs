use clap::Subcommand;

use super::{open_store, print_json};
use crate::config::GlobalArgs;
use crate::domain::TenantId;

#[derive(Debug, Subcommand)]
pub enum OAuthCommand {
    /// OAuth clients that registered or were seen by their metadata document.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// What hotel users approved: one grant per approval.
    #[command(subcommand)]
    Grants(GrantsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    List {
        #[arg(long)]
        tenant: Option<TenantId>,
        #[arg(long)]
        json: bool,
    },
    /// End a grant: its refresh and access tokens stop working at once.
    Revoke { id: String },
}

pub(super) async fn run(global: &GlobalArgs, command: OAuthCommand) -> anyhow::Result<()> {
    let store = open_store(global).await?;
    match command {
        OAuthCommand::Clients(ClientsCommand::List { json }) => {
            let clients = store.list_oauth_clients().await?;
            if json {
                print_json(&clients)?;
            } else {
                for c in clients {
                    println!(
                        "{}\t{}\t{}\t{}",
                        c.client_id,
                        serde_json::to_string(&c.kind)?.trim_matches('"'),
                        c.client_name,
                        c.redirect_uris.join(" ")
                    );
                }
            }
        }
        OAuthCommand::Grants(GrantsCommand::List { tenant, json }) => {
            if let Some(tenant) = &tenant {
                store.require_tenant(tenant).await?;
            }
            let grants = store.list_grants(tenant.as_ref()).await?;
            if json {
                print_json(&grants)?;
            } else {
                for g in grants {
                    let state = if g.revoked { "revoked" } else { "active" };
                    println!(
                        "{}\t{state}\t{}\t{}\t{}\t{}",
                        g.id, g.tenant_id, g.user_id, g.client_id, g.scope
                    );
                }
            }
        }
        OAuthCommand::Grants(GrantsCommand::Revoke { id }) => {
            if !store.revoke_grant(&id).await? {
                anyhow::bail!("no active grant has the id {id}");
            }
            println!("revoked grant {id}");
        }
    }
    Ok(())
}
