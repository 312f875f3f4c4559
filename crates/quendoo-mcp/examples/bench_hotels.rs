//! Fills a database with N hotels for `bench/many_hotels.sh`: tenant
//! `bench-<n>` with the Quendoo key `bench-key-<n>` (the simulator is
//! started with the same keys), and prints one dashboard token per hotel,
//! one per line. A tool for benchmarks, not for operators: `cargo run
//! --release -p quendoo-mcp --example bench_hotels -- DATABASE_URL N`, with
//! `ENCRYPTION_KEY` and `JWT_SECRET` set as the server will have them.

use std::{io::Write, sync::Arc, time::Duration};

use quendoo_mcp::{
    auth::JwtKeys,
    crypto::{Cipher, EncryptionKey},
    domain::{KeyName, TenantId},
    secrets::SecretStore,
    storage::Store,
};
use secrecy::SecretString;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(hotels)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bench_hotels DATABASE_URL N (with ENCRYPTION_KEY, JWT_SECRET)");
    };
    let hotels: u32 = hotels.parse()?;
    let key = EncryptionKey::from_base64(&std::env::var("ENCRYPTION_KEY")?)?;
    let jwt = JwtKeys::new(
        &SecretString::from(std::env::var("JWT_SECRET")?),
        None,
        None,
    );
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let secrets = SecretStore::new(store.clone(), Arc::new(Cipher::new(&key, &[])));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for n in 1..=hotels {
        let id: TenantId = format!("bench-{n}").parse()?;
        store
            .create_tenant(Some(id.clone()), &format!("Bench Hotel {n}"))
            .await?;
        let value = SecretString::from(format!("bench-key-{n}"));
        secrets.set(&id, KeyName::QuendooApiKey, &value).await?;
        let token = jwt.issue(&id, None, Duration::from_secs(3600))?;
        writeln!(out, "{token}")?;
    }
    Ok(())
}
