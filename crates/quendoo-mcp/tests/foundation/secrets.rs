use std::sync::Arc;

use quendoo_mcp::crypto::{Cipher, CryptoError, EncryptionKey};
use quendoo_mcp::domain::{KeyName, TenantId};
use quendoo_mcp::secrets::{SecretError, SecretStore};
use quendoo_mcp::storage::Store;
use secrecy::{ExposeSecret, SecretString};

on_both_backends!(
    |db| db.store().await;
    set_get_list_delete,
    undecryptable_values_are_errors_not_absent,
    find_tenant_by_quendoo_key,
    rotate_all_re_encrypts_under_the_current_key,
);

fn key() -> EncryptionKey {
    EncryptionKey::generate().unwrap()
}

/// The same key again (EncryptionKey is deliberately not Clone).
fn copy(k: &EncryptionKey) -> EncryptionKey {
    EncryptionKey::from_base64(k.to_base64().expose_secret()).unwrap()
}

fn secrets(store: &Store, current: &EncryptionKey, previous: &[EncryptionKey]) -> SecretStore {
    SecretStore::new(store.clone(), Arc::new(Cipher::new(current, previous)))
}

async fn tenant(store: &Store, id: &str) -> TenantId {
    store
        .create_tenant(Some(id.parse().unwrap()), id)
        .await
        .unwrap()
        .id
}

fn value(s: &str) -> SecretString {
    s.into()
}

async fn read(s: &SecretStore, t: &TenantId, name: KeyName) -> Option<String> {
    s.get(t, name)
        .await
        .unwrap()
        .map(|v| v.expose_secret().to_owned())
}

async fn set_get_list_delete(store: Store) {
    let s = secrets(&store, &key(), &[]);
    let t = tenant(&store, "t").await;
    s.set(&t, KeyName::QuendooApiKey, &value("pms-key-123"))
        .await
        .unwrap();
    assert_eq!(
        read(&s, &t, KeyName::QuendooApiKey).await.as_deref(),
        Some("pms-key-123")
    );
    assert_eq!(read(&s, &t, KeyName::EmailApiKey).await, None);

    let raw = store
        .get_api_key(&t, KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.encrypted_value.contains("pms-key-123"));
    assert!(raw.lookup_hash.is_some(), "QUENDOO_API_KEY is findable");

    s.set(&t, KeyName::EmailApiKey, &value("mail-key"))
        .await
        .unwrap();
    let raw = store
        .get_api_key(&t, KeyName::EmailApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(raw.lookup_hash, None, "only QUENDOO_API_KEY gets a hash");

    for empty in ["", "  \n"] {
        assert!(matches!(
            s.set(&t, KeyName::EmailApiKey, &value(empty)).await,
            Err(SecretError::Empty)
        ));
    }
    assert_eq!(s.list_active(&t).await.unwrap().len(), 2);
    assert!(s.delete(&t, KeyName::EmailApiKey).await.unwrap());
    assert_eq!(read(&s, &t, KeyName::EmailApiKey).await, None);
    assert_eq!(
        s.list_active(&t).await.unwrap().len(),
        1,
        "deleted keys are not listed"
    );

    let ghost: TenantId = "ghost".parse().unwrap();
    let err = s
        .set(&ghost, KeyName::EmailApiKey, &value("x"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "tenant 'ghost' not found");
}

async fn undecryptable_values_are_errors_not_absent(store: Store) {
    let t = tenant(&store, "t").await;
    secrets(&store, &key(), &[])
        .set(&t, KeyName::QuendooApiKey, &value("secret-value"))
        .await
        .unwrap();
    let err = secrets(&store, &key(), &[])
        .get(&t, KeyName::QuendooApiKey)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            SecretError::Unreadable {
                cause: CryptoError::UnknownKeyId { .. },
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("QUENDOO_API_KEY of tenant 't' cannot be read"),
        "{text}"
    );
    assert!(!text.contains("secret-value"));
}

async fn find_tenant_by_quendoo_key(store: Store) {
    let k = key();
    let s = secrets(&store, &k, &[]);
    let a = tenant(&store, "a").await;
    let b = tenant(&store, "b").await;
    s.set(&a, KeyName::QuendooApiKey, &value("key-a"))
        .await
        .unwrap();
    s.set(&b, KeyName::QuendooApiKey, &value("key-b"))
        .await
        .unwrap();
    s.set(&b, KeyName::EmailApiKey, &value("key-a"))
        .await
        .unwrap();
    assert_eq!(
        s.find_tenant_by_quendoo_key(&value("key-a"))
            .await
            .unwrap()
            .map(|(tenant, _)| tenant),
        Some(a.clone())
    );
    assert_eq!(
        s.find_tenant_by_quendoo_key(&value("key-b"))
            .await
            .unwrap()
            .map(|(tenant, _)| tenant),
        Some(b.clone())
    );
    assert_eq!(
        s.find_tenant_by_quendoo_key(&value("key-c"))
            .await
            .unwrap()
            .map(|(tenant, _)| tenant),
        None
    );
    // One key, one hotel: storing another hotel's key is refused (and its
    // own again is fine), so the legacy lookup never finds two.
    let taken = s.set(&b, KeyName::QuendooApiKey, &value("key-a")).await;
    assert!(
        matches!(&taken, Err(quendoo_mcp::secrets::SecretError::Storage(quendoo_mcp::storage::StorageError::Conflict(m))) if m.contains("another hotel")),
        "{taken:?}"
    );
    s.set(&a, KeyName::QuendooApiKey, &value("key-a"))
        .await
        .unwrap();
    // Under a new key, rows not yet rotated are still found via the old one.
    let after_key_change = secrets(&store, &key(), &[copy(&k)]);
    assert_eq!(
        after_key_change
            .find_tenant_by_quendoo_key(&value("key-a"))
            .await
            .unwrap()
            .map(|(tenant, _)| tenant),
        Some(a)
    );
}

async fn rotate_all_re_encrypts_under_the_current_key(store: Store) {
    let old = key();
    let new = key();
    let before = secrets(&store, &copy(&old), &[]);
    let a = tenant(&store, "a").await;
    let b = tenant(&store, "b").await;
    before
        .set(&a, KeyName::QuendooApiKey, &value("qa"))
        .await
        .unwrap();
    before
        .set(&a, KeyName::EmailApiKey, &value("ea"))
        .await
        .unwrap();
    before
        .set(&b, KeyName::QuendooApiKey, &value("qb"))
        .await
        .unwrap();
    // One value under a key nobody has any more.
    secrets(&store, &key(), &[])
        .set(&b, KeyName::QuendooAutomationBearer, &value("lost"))
        .await
        .unwrap();

    let rotating = secrets(&store, &copy(&new), &[copy(&old)]);
    let report = rotating.rotate_all().await.unwrap();
    assert_eq!(report.re_encrypted, 3);
    assert_eq!(report.failed.len(), 1);
    let (failed_tenant, failed_name, _) = &report.failed[0];
    assert_eq!(
        (failed_tenant, *failed_name),
        (&b, KeyName::QuendooAutomationBearer)
    );

    // The new key alone now opens and finds everything that was readable.
    let after = secrets(&store, &new, &[]);
    assert_eq!(
        read(&after, &a, KeyName::QuendooApiKey).await.as_deref(),
        Some("qa")
    );
    assert_eq!(
        read(&after, &a, KeyName::EmailApiKey).await.as_deref(),
        Some("ea")
    );
    assert_eq!(
        read(&after, &b, KeyName::QuendooApiKey).await.as_deref(),
        Some("qb")
    );
    assert_eq!(
        after
            .find_tenant_by_quendoo_key(&value("qb"))
            .await
            .unwrap()
            .map(|(tenant, _)| tenant),
        Some(b.clone())
    );
    // ...and the old key alone no longer opens them.
    assert!(before.get(&a, KeyName::QuendooApiKey).await.is_err());

    let again = rotating.rotate_all().await.unwrap();
    assert_eq!(again.re_encrypted, 0);
    assert_eq!(again.unchanged, 3);
}
