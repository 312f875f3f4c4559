use clap::{Args, Subcommand};

use super::{open_store, print_json};
use crate::config::GlobalArgs;
use crate::domain::TenantId;
use crate::policy::{HotelPolicy, PolicyChange, Toolsets, WriteMode};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print a hotel's policy (the defaults when it was never set).
    Show {
        #[arg(long)]
        tenant: TenantId,
        #[arg(long)]
        json: bool,
    },
    /// Change the settings given, keep the others; prints the result.
    Set {
        #[arg(long)]
        tenant: TenantId,
        #[command(flatten)]
        change: ChangeArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct ChangeArgs {
    /// Toolsets the hotel's assistants may use, comma-separated: property,
    /// availability, bookings, offers, comms, or all.
    #[arg(long, value_parser = PolicyChange::parse_toolsets)]
    toolsets: Option<Toolsets>,
    /// Only tools that read: no PMS write, nothing that reaches people.
    #[arg(long, value_name = "true|false")]
    read_only: Option<bool>,
    /// The four PMS writes: confirm (a person says yes first) or direct.
    #[arg(long, value_name = "confirm|direct")]
    pms_writes: Option<WriteMode>,
    /// E-mails and phone calls: confirm or direct.
    #[arg(long, value_name = "confirm|direct")]
    comms: Option<WriteMode>,
}

pub(super) async fn run(global: &GlobalArgs, command: PolicyCommand) -> anyhow::Result<()> {
    let store = open_store(global).await?;
    let (policy, json) = match command {
        PolicyCommand::Show { tenant, json } => {
            store.require_tenant(&tenant).await?;
            (store.hotel_policy(&tenant).await?, json)
        }
        PolicyCommand::Set {
            tenant,
            change,
            json,
        } => {
            let change = PolicyChange {
                toolsets: change.toolsets,
                read_only: change.read_only,
                pms_writes: change.pms_writes,
                comms: change.comms,
            };
            (store.change_hotel_policy(&tenant, change).await?, json)
        }
    };
    print(&policy, json)
}

fn print(policy: &HotelPolicy, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(policy);
    }
    println!("toolsets\t{}", policy.toolsets);
    println!("read_only\t{}", policy.read_only);
    println!("pms_writes\t{}", policy.pms_writes.name());
    println!("comms\t{}", policy.comms.name());
    Ok(())
}
