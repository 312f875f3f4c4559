use clap::Subcommand;

use anyhow::Context;
use secrecy::ExposeSecret;

use super::{open_store, print_json, read_secret};
use crate::auth::password;
use crate::config::GlobalArgs;
use crate::domain::{EmailAddress, TenantId};
use crate::storage::{Store, User};

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
    /// Set the password a user signs in with over OAuth, read from standard
    /// input (at least 12 characters; stored as an argon2id hash).
    SetPassword {
        #[arg(long)]
        email: EmailAddress,
    },
    /// Disable a user: no more sign-ins, and what they granted stops working.
    Disable {
        #[arg(long)]
        email: EmailAddress,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        email: EmailAddress,
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
        UserCommand::SetPassword { email } => {
            let user = find(&store, &email).await?;
            let password = read_secret("New password")
                .context("cannot read the password from standard input")?;
            let hash =
                tokio::task::spawn_blocking(move || password::hash(password.expose_secret()))
                    .await??;
            store.set_password_hash(&user.id, &hash).await?;
            // A new password ends what was granted with the old one.
            let revoked = store.revoke_grants_of_user(&user.id).await?;
            println!("password set for {email} ({revoked} OAuth grants revoked)");
        }
        UserCommand::Disable { email } => set_disabled(&store, &email, true).await?,
        UserCommand::Enable { email } => set_disabled(&store, &email, false).await?,
    }
    Ok(())
}

async fn set_disabled(store: &Store, email: &EmailAddress, disabled: bool) -> anyhow::Result<()> {
    let user = find(store, email).await?;
    store.set_user_disabled(&user.id, disabled).await?;
    println!("{email} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}

async fn find(store: &Store, email: &EmailAddress) -> anyhow::Result<User> {
    store
        .get_user_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user has the e-mail {email}"))
}
