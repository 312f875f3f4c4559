use std::sync::Arc;

use secrecy::ExposeSecret;

use super::open_store;
use crate::config::GlobalArgs;
use crate::crypto::{EncryptionKey, generate_jwt_secret};
use crate::secrets::SecretStore;

/// Prints fresh secrets on standard output: that is this command's purpose.
pub(super) fn keygen() -> anyhow::Result<()> {
    let key = EncryptionKey::generate()?;
    let jwt = generate_jwt_secret()?;
    println!("ENCRYPTION_KEY={}", key.to_base64().expose_secret());
    println!("JWT_SECRET={}", jwt.expose_secret());
    Ok(())
}

pub(super) async fn rotate(global: &GlobalArgs) -> anyhow::Result<()> {
    let cipher = global.secrets(global.dev)?.cipher()?;
    let kid = cipher.current_kid().to_owned();
    let store = open_store(global).await?;
    let report = SecretStore::new(store, Arc::new(cipher))
        .rotate_all()
        .await?;
    println!(
        "key {kid}: {} re-encrypted, {} lookup hashes refreshed, {} already current, \
         {} changed concurrently (left as written)",
        report.re_encrypted, report.rehashed, report.unchanged, report.concurrently_replaced
    );
    if !report.failed.is_empty() {
        let which: Vec<String> = report
            .failed
            .iter()
            .map(|(tenant, name, _)| format!("{tenant}/{name}"))
            .collect();
        anyhow::bail!(
            "{} stored values could not be decrypted with ENCRYPTION_KEY or \
             PREVIOUS_ENCRYPTION_KEYS and were left unchanged: {}",
            which.len(),
            which.join(", ")
        );
    }
    Ok(())
}
