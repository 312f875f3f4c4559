use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::{open_store, print_json};
use crate::config::{GlobalArgs, parse_moment};
use crate::domain::TenantId;
use crate::storage::AuditQuery;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List tool calls, newest first (never their arguments: a digest).
    List {
        /// One hotel's calls; every hotel's when omitted.
        #[arg(long)]
        tenant: Option<TenantId>,
        /// From this time on: RFC 3339, a date, or a duration before now (`24h`).
        #[arg(long, value_parser = parse_moment)]
        since: Option<DateTime<Utc>>,
        /// Before this time (same forms as --since).
        #[arg(long, value_parser = parse_moment)]
        until: Option<DateTime<Utc>>,
        /// Only this tool.
        #[arg(long)]
        tool: Option<String>,
        /// Only this outcome (`ok`, or an error's kind such as `upstream_timeout`).
        #[arg(long)]
        outcome: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(global: &GlobalArgs, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List {
        tenant,
        since,
        until,
        tool,
        outcome,
        limit,
        json,
    } = command;
    let store = open_store(global).await?;
    let page = store
        .audit(&AuditQuery {
            tenant,
            since,
            until,
            tool,
            outcome,
            before: None,
            limit,
        })
        .await?;
    for entry in &page.entries {
        if json {
            print_json(entry)?;
        } else {
            let dash = |value: Option<String>| value.unwrap_or_else(|| "-".into());
            println!(
                "{}\t{}\t{}\t{}\t{} ms\t{}\t{}\t{}\t{}",
                entry.created_at.to_rfc3339(),
                entry.tenant_id,
                entry.tool,
                entry.outcome,
                entry.duration_ms,
                dash(entry.upstream_status.map(|status| status.to_string())),
                dash(entry.transport.clone()),
                dash(entry.client.clone()),
                dash(entry.user_id.as_ref().map(ToString::to_string)),
            );
        }
    }
    Ok(())
}
