//! Memory per cached hotel: VmRSS before and after the hotel cache holds
//! N hotels (default 10,000), each with its three keys, divided by N. A
//! measurement, not a test: `cargo run --release -p quendoo-mcp --example
//! hotel_cache_memory [N]`. The database (SQLite, in a temporary folder) is
//! filled first, so its own memory is in both readings.

use std::sync::Arc;

use quendoo_mcp::{
    crypto::{Cipher, EncryptionKey},
    domain::KeyName,
    hotels::Hotels,
    secrets::SecretStore,
    storage::Store,
};
use secrecy::SecretString;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let hotels: u64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("m.db").display())).await?;
    store.migrate().await?;
    let cipher = Arc::new(Cipher::new(&EncryptionKey::generate()?, &[]));
    let secrets = SecretStore::new(store.clone(), cipher);
    let mut stamped = Vec::new();
    for n in 0..hotels {
        let tenant = store.create_tenant(None, &format!("Hotel {n}")).await?.id;
        for name in [
            KeyName::QuendooApiKey,
            KeyName::EmailApiKey,
            KeyName::QuendooAutomationBearer,
        ] {
            let value = SecretString::from(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
            secrets.set(&tenant, name, &value).await?;
        }
        let stamp = store.tenant_stamp(&tenant).await?;
        stamped.push((tenant, stamp));
    }
    let cache = Hotels::new(store, secrets, hotels);
    let before = rss_kib();
    for (tenant, stamp) in &stamped {
        cache.get(tenant, *stamp).await?;
    }
    let after = rss_kib();
    println!(
        "{hotels} hotels cached: VmRSS {before} KiB -> {after} KiB, {:.0} bytes per hotel",
        (after.saturating_sub(before) * 1024) as f64 / hotels as f64
    );
    Ok(())
}
