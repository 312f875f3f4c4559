//! Demo mode (`serve --demo`): the built-in PMS simulator started in-process
//! as the PMS, a demo hotel holding the simulator's keys, and a welcome text
//! with a token and ready-to-paste client setups. A newcomer can list and
//! call every tool a minute after `cargo run`.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use quendoo_sim::{PropertySpec, RunningSim, SimConfig};
use secrecy::SecretString;

use crate::{
    auth::{JwtKeys, password},
    config::ServeArgs,
    domain::{EmailAddress, KeyName, TenantId},
    secrets::SecretStore,
    storage::Store,
};

pub const DEMO_TENANT: &str = "demo-hotel";
pub const DEMO_EMAIL: &str = "demo@hotel.example";
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

pub struct Demo {
    sim: RunningSim,
    property: PropertySpec,
    /// The demo user's password for the OAuth sign-in, new each run.
    password: String,
}

impl Demo {
    /// Starts the simulator on a free loopback port and points `serve` at it.
    pub async fn start(serve: &mut ServeArgs) -> anyhow::Result<Demo> {
        let sim = RunningSim::start(SimConfig::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("cannot start the PMS simulator")?;
        let property = sim.demo_property();
        serve.quendoo_base_url = sim.pms_base_url();
        serve.quendoo_email_url = Some(sim.email_base_url());
        serve.quendoo_automation_url = Some(sim.automation_base_url());
        let password = crate::http::oauth::new_password();
        Ok(Demo {
            sim,
            property,
            password,
        })
    }

    /// The demo hotel, holding this run's simulator credentials (the
    /// simulator's keys are new each run, so they are stored again).
    pub async fn provision(
        &self,
        store: &Store,
        secrets: &SecretStore,
    ) -> anyhow::Result<TenantId> {
        let tenant: TenantId = DEMO_TENANT.parse()?;
        if store.get_tenant(&tenant).await?.is_none() {
            store
                .create_tenant(Some(tenant.clone()), "Demo Hotel (simulated PMS)")
                .await?;
        }
        for (name, value) in [
            (KeyName::QuendooApiKey, &self.property.api_key),
            (KeyName::EmailApiKey, &self.property.email_bearer),
            (
                KeyName::QuendooAutomationBearer,
                &self.property.automation_bearer,
            ),
        ] {
            secrets
                .set(&tenant, name, &SecretString::from(value.clone()))
                .await?;
        }
        let email: EmailAddress = DEMO_EMAIL.parse()?;
        let user = match store.get_user_by_email(&email).await? {
            Some(user) => user,
            None => store.create_user(&tenant, &email).await?,
        };
        let password = self.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(&password)).await??;
        store.set_password_hash(&user.id, &hash).await?;
        Ok(tenant)
    }

    /// What the operator reads on standard output once the server listens.
    /// With `auth_off` (`--insecure-tenant`), no token is needed nor shown.
    pub fn welcome(
        &self,
        addr: SocketAddr,
        jwt: &JwtKeys,
        tenant: &TenantId,
        auth_off: bool,
    ) -> anyhow::Result<String> {
        let host = if addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        let url = format!("http://{host}/mcp");
        let pms = self.sim.pms_base_url();
        let password = &self.password;
        let (credential, header, desktop) = if auth_off {
            (
                "Authentication: OFF (--insecure-tenant): every request acts for this hotel"
                    .to_owned(),
                String::new(),
                claude_desktop_entry(&url, None),
            )
        } else {
            let token = jwt.issue(tenant, None, DEMO_TOKEN_TTL)?;
            (
                format!(
                    "Bearer token: {token}\n                (valid 7 days; signed with the local development secret;\n                 another: cargo run -- --dev token --tenant {tenant} --ttl 8h)"
                ),
                format!(r#" --header "Authorization: Bearer {token}""#),
                claude_desktop_entry(&url, Some(&token)),
            )
        };
        Ok(format!(
            r#"
Quendoo MCP server: demo mode
  PMS:          the built-in simulator at {pms}
  Hotel:        tenant "{tenant}" with the simulator's keys stored encrypted
  MCP endpoint: {url}   (Streamable HTTP)
  {credential}

Sign in with OAuth instead (Claude Code without --header, claude.ai, the Inspector's
browser UI, mcp-remote without a header): the client opens a sign-in page; use
  Sign-in e-mail: {DEMO_EMAIL}
  Sign-in password: {password}

List the tools with the MCP Inspector (needs Node.js 22 or newer):
  npx @modelcontextprotocol/inspector --cli {url} --transport http{header} --method tools/list

Call one:
  npx @modelcontextprotocol/inspector --cli {url} --transport http{header} --method tools/call --tool-name get_property_settings

Claude Code:
  claude mcp add --transport http quendoo {url}{header}

Claude Desktop (claude_desktop_config.json, through mcp-remote; Node.js 18 or newer):
  {desktop}

Stop with Ctrl-C.
"#
        ))
    }
}

/// The `claude_desktop_config.json` entry that runs mcp-remote. With a token,
/// mcp-remote expands `${AUTH_HEADER}` from `env`, which keeps the token out
/// of `args` (and so out of process listings).
fn claude_desktop_entry(url: &str, token: Option<&str>) -> String {
    let mut server = serde_json::json!({"command": "npx", "args": ["-y", "mcp-remote", url]});
    if let Some(token) = token {
        server["args"] = serde_json::json!([
            "-y",
            "mcp-remote",
            url,
            "--header",
            "Authorization:${AUTH_HEADER}"
        ]);
        server["env"] = serde_json::json!({"AUTH_HEADER": format!("Bearer {token}")});
    }
    serde_json::json!({"mcpServers": {"quendoo": server}}).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::claude_desktop_entry;

    #[test]
    fn claude_desktop_entry_keeps_the_token_out_of_args() {
        let url = "http://127.0.0.1:8000/mcp";
        let entry: Value = serde_json::from_str(&claude_desktop_entry(url, Some("t0k"))).unwrap();
        let server = &entry["mcpServers"]["quendoo"];
        assert_eq!(server["env"]["AUTH_HEADER"], "Bearer t0k");
        assert!(!server["args"].to_string().contains("t0k"), "{server}");
        assert_eq!(server["args"][2], url);

        let open: Value = serde_json::from_str(&claude_desktop_entry(url, None)).unwrap();
        let server = &open["mcpServers"]["quendoo"];
        assert!(server.get("env").is_none() && !server["args"].to_string().contains("header"));
    }
}
