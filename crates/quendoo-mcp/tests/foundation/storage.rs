use std::time::Duration;

use quendoo_mcp::audit::AuditTrail;
use quendoo_mcp::domain::{ConnectionId, EmailAddress, KeyName, TenantId, UserId};
use quendoo_mcp::policy::{HotelPolicy, PolicyChange, Toolsets, WriteMode};
use sqlx::Connection as _;

use quendoo_mcp::storage::{
    AuditEntry, AuditQuery, Backend, Connection, StorageError, Store, TenantStamp,
};

on_both_backends!(
    |db| db.store().await;
    migrations_are_idempotent_and_ping_works,
    tenants,
    users,
    api_keys_upsert_soft_delete_and_list,
    api_key_lookup_by_hash,
    rotation_support_replaces_only_unchanged_values,
    connections_expire_and_count,
    stamps_change_with_what_is_cached,
    deleting_a_tenant_cascades,
    hotel_policies_round_trip_and_go_with_their_tenant,
    audit_log,
    audit_groups_commit_whole,
    closed_store_reports_database_errors,
);

fn tid(s: &str) -> TenantId {
    s.parse().unwrap()
}

/// The audit entry of a tool call made on `connection`.
fn call_on(connection: &Connection) -> AuditEntry {
    AuditEntry {
        tenant_id: connection.tenant_id.clone(),
        user_id: None,
        tool: "get_rooms_details".into(),
        outcome: "ok".into(),
        duration_ms: 1,
        args_digest: "d".into(),
        transport: Some("rest"),
        client: None,
        upstream_status: Some(200),
        connection: Some(connection.id),
    }
}

fn email(s: &str) -> EmailAddress {
    s.parse().unwrap()
}

const HOUR: Duration = Duration::from_secs(3600);

async fn migrations_are_idempotent_and_ping_works(store: Store) {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert!(matches!(
        store.backend(),
        Backend::Sqlite | Backend::Postgres
    ));
}

async fn tenants(store: Store) {
    let given = store
        .create_tenant(Some(tid("hotel-a")), "Hotel A")
        .await
        .unwrap();
    assert_eq!(given.id, tid("hotel-a"));
    assert_eq!(given.name, "Hotel A");
    let generated = store.create_tenant(None, "Hotel B").await.unwrap();
    assert!(uuid::Uuid::parse_str(generated.id.as_str()).is_ok());

    assert_eq!(
        store.get_tenant(&given.id).await.unwrap(),
        Some(given.clone())
    );
    assert_eq!(store.get_tenant(&tid("nope")).await.unwrap(), None);
    let all = store.list_tenants().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&given) && all.contains(&generated));

    let dup = store
        .create_tenant(Some(tid("hotel-a")), "Again")
        .await
        .unwrap_err();
    assert!(matches!(dup, StorageError::Conflict(_)), "{dup}");

    let missing = store.require_tenant(&tid("nope")).await.unwrap_err();
    assert_eq!(missing.to_string(), "tenant 'nope' not found");

    assert!(store.delete_tenant(&given.id).await.unwrap());
    assert!(!store.delete_tenant(&given.id).await.unwrap());
    assert_eq!(store.list_tenants().await.unwrap(), vec![generated]);
}

async fn users(store: Store) {
    let a = store.create_tenant(Some(tid("a")), "A").await.unwrap();
    let b = store.create_tenant(Some(tid("b")), "B").await.unwrap();
    let maria = store
        .create_user(&a.id, &email("maria@hotel-a.bg"))
        .await
        .unwrap();
    let ivan = store
        .create_user(&b.id, &email("ivan@hotel-b.bg"))
        .await
        .unwrap();
    assert_eq!(maria.tenant_id, a.id);
    assert_eq!(maria.email.as_str(), "maria@hotel-a.bg");

    let dup = store
        .create_user(&b.id, &email("MARIA@hotel-a.bg"))
        .await
        .unwrap_err();
    assert!(matches!(dup, StorageError::Conflict(_)), "{dup}");
    assert!(dup.to_string().contains("already exists"));

    let unknown = store
        .create_user(&tid("ghost"), &email("x@y.com"))
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), "tenant 'ghost' not found");

    assert_eq!(
        store.list_users(Some(&a.id)).await.unwrap(),
        vec![maria.clone()]
    );
    assert_eq!(store.list_users(None).await.unwrap().len(), 2);
    assert_eq!(store.get_user(&ivan.id).await.unwrap(), Some(ivan));
    let nobody: UserId = "nobody".parse().unwrap();
    assert_eq!(store.get_user(&nobody).await.unwrap(), None);
}

async fn api_keys_upsert_soft_delete_and_list(store: Store) {
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    let first = store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.aaa", Some("hash-1"))
        .await
        .unwrap();
    assert!(first.is_active);
    store
        .put_api_key(&t.id, KeyName::EmailApiKey, "v1.k.bbb", None)
        .await
        .unwrap();

    let stored = store
        .get_api_key(&t.id, KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.encrypted_value, "v1.k.aaa");
    assert_eq!(stored.lookup_hash.as_deref(), Some("hash-1"));
    assert!(stored.is_active);

    // Upsert: same row, new value, creation time kept.
    let replaced = store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.ccc", Some("hash-2"))
        .await
        .unwrap();
    assert_eq!(replaced.created_at, first.created_at);
    assert!(replaced.updated_at >= first.updated_at);
    let stored = store
        .get_api_key(&t.id, KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.encrypted_value, "v1.k.ccc");

    let listed = store.list_api_keys(&t.id).await.unwrap();
    let names: Vec<KeyName> = listed.iter().map(|k| k.key_name).collect();
    assert_eq!(names, vec![KeyName::EmailApiKey, KeyName::QuendooApiKey]);
    let json = serde_json::to_string(&listed).unwrap();
    assert!(
        !json.contains("v1.k."),
        "listing must not carry values: {json}"
    );

    // Soft delete: gone for readers, still listed as inactive.
    assert!(
        store
            .delete_api_key(&t.id, KeyName::QuendooApiKey)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_api_key(&t.id, KeyName::QuendooApiKey)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_api_key(&t.id, KeyName::QuendooAutomationBearer)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_api_key(&t.id, KeyName::QuendooApiKey)
            .await
            .unwrap(),
        None
    );
    let listed = store.list_api_keys(&t.id).await.unwrap();
    let quendoo = listed
        .iter()
        .find(|k| k.key_name == KeyName::QuendooApiKey)
        .unwrap();
    assert!(!quendoo.is_active);

    // Setting again reactivates.
    store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.ddd", None)
        .await
        .unwrap();
    assert!(
        store
            .get_api_key(&t.id, KeyName::QuendooApiKey)
            .await
            .unwrap()
            .is_some()
    );

    let unknown = store
        .put_api_key(&tid("ghost"), KeyName::EmailApiKey, "v1.k.x", None)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StorageError::NotFound { .. }),
        "{unknown}"
    );
}

async fn api_key_lookup_by_hash(store: Store) {
    let a = store.create_tenant(Some(tid("a")), "A").await.unwrap();
    let b = store.create_tenant(Some(tid("b")), "B").await.unwrap();
    store
        .put_api_key(&a.id, KeyName::QuendooApiKey, "v1.k.a", Some("h-a"))
        .await
        .unwrap();
    store
        .put_api_key(&b.id, KeyName::QuendooApiKey, "v1.k.b", Some("h-b"))
        .await
        .unwrap();
    let find = |hash: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_tenant_by_key_hash(KeyName::QuendooApiKey, hash)
                .await
        }
    };
    let tenant_of = |found: Option<(TenantId, TenantStamp)>| found.map(|(tenant, _)| tenant);
    assert_eq!(tenant_of(find("h-a").await.unwrap()), Some(a.id.clone()));
    assert_eq!(tenant_of(find("h-b").await.unwrap()), Some(b.id.clone()));
    assert_eq!(find("h-x").await.unwrap(), None);
    assert_eq!(
        store
            .find_tenant_by_key_hash(KeyName::EmailApiKey, "h-a")
            .await
            .unwrap(),
        None,
        "the key name is part of the lookup"
    );

    // An inactive key is not found; two tenants sharing one is ambiguous.
    store
        .delete_api_key(&b.id, KeyName::QuendooApiKey)
        .await
        .unwrap();
    assert_eq!(find("h-b").await.unwrap(), None);
    store
        .put_api_key(&b.id, KeyName::QuendooApiKey, "v1.k.b2", Some("h-a"))
        .await
        .unwrap();
    assert!(matches!(
        find("h-a").await.unwrap_err(),
        StorageError::Conflict(_)
    ));
}

async fn rotation_support_replaces_only_unchanged_values(store: Store) {
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.old.a", Some("h1"))
        .await
        .unwrap();
    store
        .put_api_key(&t.id, KeyName::EmailApiKey, "v1.old.b", None)
        .await
        .unwrap();
    store
        .delete_api_key(&t.id, KeyName::EmailApiKey)
        .await
        .unwrap();

    let all = store.all_stored_keys().await.unwrap();
    assert_eq!(all.len(), 2, "inactive values are rotated too");
    let quendoo = all
        .iter()
        .find(|k| k.key_name == KeyName::QuendooApiKey)
        .unwrap();
    let before = quendoo.updated_at;

    assert!(
        store
            .replace_encrypted_value(quendoo, "v1.new.a", Some("h2"))
            .await
            .unwrap()
    );
    let now = store
        .get_api_key(&t.id, KeyName::QuendooApiKey)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.encrypted_value, "v1.new.a");
    assert_eq!(now.lookup_hash.as_deref(), Some("h2"));
    assert_eq!(now.updated_at, before, "re-encryption is not a new secret");

    // A stale snapshot does not overwrite a newer value.
    assert!(
        !store
            .replace_encrypted_value(quendoo, "v1.new.zzz", None)
            .await
            .unwrap()
    );
}

async fn connections_expire_and_count(store: Store) {
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    let c = store.create_connection(&t.id).await.unwrap();
    assert_eq!(c.tenant_id, t.id);
    assert_eq!(c.tool_calls, 0);
    assert_eq!(store.count_active_connections(HOUR).await.unwrap(), 1);

    // A call's use is recorded with its audit entry: two in one group.
    let (tenant, _) = store.connection_tenant(&c.id, HOUR).await.unwrap().unwrap();
    assert_eq!(tenant, t.id);
    store
        .record_audit(&[call_on(&c), call_on(&c)])
        .await
        .unwrap();
    let used = store.get_connection(&c.id, HOUR).await.unwrap().unwrap();
    assert!(used.last_used_at >= c.last_used_at);
    assert_eq!(
        store
            .get_connection(&c.id, HOUR)
            .await
            .unwrap()
            .unwrap()
            .tool_calls,
        2
    );

    let unknown = ConnectionId::generate();
    assert_eq!(store.connection_tenant(&unknown, HOUR).await.unwrap(), None);
    assert!(matches!(
        store.create_connection(&tid("ghost")).await.unwrap_err(),
        StorageError::NotFound { .. }
    ));

    // Idle longer than the TTL: no longer usable, counted or returned.
    // Wide margins: a busy machine must not make the fresh connection below
    // look idle (it is created a moment before the purge).
    tokio::time::sleep(Duration::from_millis(900)).await;
    let short = Duration::from_millis(400);
    assert_eq!(store.connection_tenant(&c.id, short).await.unwrap(), None);
    assert_eq!(store.get_connection(&c.id, short).await.unwrap(), None);
    assert_eq!(store.count_active_connections(short).await.unwrap(), 0);

    let fresh = store.create_connection(&t.id).await.unwrap();
    assert_eq!(store.purge_expired_connections(short).await.unwrap(), 1);
    assert_eq!(store.get_connection(&c.id, HOUR).await.unwrap(), None);
    assert_eq!(store.count_active_connections(HOUR).await.unwrap(), 1);

    assert!(store.delete_connection(&fresh.id).await.unwrap());
    assert!(!store.delete_connection(&fresh.id).await.unwrap());
    assert_eq!(store.count_active_connections(HOUR).await.unwrap(), 0);
}

/// Every change to a tenant's keys or policy gives it a new stamp in the
/// same statement (the triggers), whoever writes; other writes do not.
async fn stamps_change_with_what_is_cached(store: Store) {
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    let stamp = || {
        let store = store.clone();
        async move { store.tenant_stamp(&tid("t")).await.unwrap().unwrap() }
    };
    let mut seen = vec![stamp().await];
    let changed = async |what: &str, seen: &mut Vec<TenantStamp>| {
        let now = stamp().await;
        assert!(!seen.contains(&now), "{what} gives a new stamp");
        seen.push(now);
    };
    store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.a", Some("h-a"))
        .await
        .unwrap();
    changed("a new key", &mut seen).await;
    store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.b", Some("h-b"))
        .await
        .unwrap();
    changed("a replaced key", &mut seen).await;
    let stored = store
        .active_stored_keys(&t.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert!(
        store
            .replace_encrypted_value(&stored, "v2.k.b", Some("h-b2"))
            .await
            .unwrap()
    );
    changed("a re-encrypted key", &mut seen).await;
    store
        .delete_api_key(&t.id, KeyName::QuendooApiKey)
        .await
        .unwrap();
    changed("a deleted key", &mut seen).await;
    store
        .set_hotel_policy(&t.id, &HotelPolicy::default())
        .await
        .unwrap();
    changed("a first policy", &mut seen).await;
    let change = PolicyChange {
        read_only: Some(true),
        ..PolicyChange::default()
    };
    store.change_hotel_policy(&t.id, change).await.unwrap();
    changed("a policy change", &mut seen).await;

    let before = stamp().await;
    let c = store.create_connection(&t.id).await.unwrap();
    store.record_audit(&[call_on(&c)]).await.unwrap();
    assert_eq!(stamp().await, before, "uses and audit leave it");

    // Deleting a tenant with keys and a policy works, and the same id
    // created again is another tenant, with another stamp.
    store
        .put_api_key(&t.id, KeyName::EmailApiKey, "v1.e", None)
        .await
        .unwrap();
    assert!(store.delete_tenant(&t.id).await.unwrap());
    assert_eq!(store.tenant_stamp(&t.id).await.unwrap(), None);
    store.create_tenant(Some(tid("t")), "T").await.unwrap();
    changed("a tenant created again", &mut seen).await;
}

async fn deleting_a_tenant_cascades(store: Store) {
    let t = store
        .create_tenant(Some(tid("gone")), "Gone")
        .await
        .unwrap();
    let keep = store
        .create_tenant(Some(tid("kept")), "Kept")
        .await
        .unwrap();
    store
        .create_user(&t.id, &email("a@gone.com"))
        .await
        .unwrap();
    store
        .create_user(&keep.id, &email("b@kept.com"))
        .await
        .unwrap();
    store
        .put_api_key(&t.id, KeyName::QuendooApiKey, "v1.k.x", Some("h"))
        .await
        .unwrap();
    let c = store.create_connection(&t.id).await.unwrap();
    store
        .record_audit(&[AuditEntry {
            tenant_id: t.id.clone(),
            user_id: None,
            tool: "get_bookings".into(),
            outcome: "success".into(),
            duration_ms: 5,
            args_digest: "d".into(),
            transport: None,
            client: None,
            upstream_status: None,
            connection: None,
        }])
        .await
        .unwrap();

    assert!(store.delete_tenant(&t.id).await.unwrap());
    assert!(store.list_users(Some(&t.id)).await.unwrap().is_empty());
    assert_eq!(store.list_users(None).await.unwrap().len(), 1);
    assert!(store.list_api_keys(&t.id).await.unwrap().is_empty());
    assert!(store.all_stored_keys().await.unwrap().is_empty());
    assert_eq!(store.get_connection(&c.id, HOUR).await.unwrap(), None);
    let kept = store
        .audit(&AuditQuery {
            tenant: Some(t.id.clone()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.entries.len(), 1, "the audit trail outlives the tenant");
    // The e-mail address is free again.
    store
        .create_user(&keep.id, &email("a@gone.com"))
        .await
        .unwrap();
}

async fn hotel_policies_round_trip_and_go_with_their_tenant(store: Store) {
    let a = store.create_tenant(Some(tid("a")), "A").await.unwrap().id;
    let b = store.create_tenant(Some(tid("b")), "B").await.unwrap().id;
    assert_eq!(
        store.hotel_policy(&a).await.unwrap(),
        HotelPolicy::default()
    );

    let locked = HotelPolicy {
        toolsets: "bookings,comms".parse().unwrap(),
        read_only: true,
        pms_writes: WriteMode::Direct,
        comms: WriteMode::Confirm,
    };
    store.set_hotel_policy(&a, &locked).await.unwrap();
    assert_eq!(store.hotel_policy(&a).await.unwrap(), locked);
    assert_eq!(
        store.hotel_policy(&b).await.unwrap(),
        HotelPolicy::default()
    );

    // A change keeps what it leaves out, on a stored row and on a first one.
    let comms = PolicyChange {
        comms: Some(WriteMode::Direct),
        ..PolicyChange::default()
    };
    let all = PolicyChange {
        toolsets: Some(Toolsets::ALL),
        ..PolicyChange::default()
    };
    let changed = store.change_hotel_policy(&a, comms).await.unwrap();
    assert_eq!(
        changed,
        HotelPolicy {
            comms: WriteMode::Direct,
            ..locked
        }
    );
    let changed = store.change_hotel_policy(&a, all).await.unwrap();
    assert_eq!(
        changed,
        HotelPolicy {
            toolsets: Toolsets::ALL,
            comms: WriteMode::Direct,
            ..locked
        }
    );
    assert_eq!(store.hotel_policy(&a).await.unwrap(), changed);
    let first = store.change_hotel_policy(&b, comms).await.unwrap();
    assert_eq!(first, comms.apply(HotelPolicy::default()));

    // Foreign keys hold (on SQLite too): no policy for a tenant that does
    // not exist, and none left behind by a deleted one.
    let orphan = store
        .change_hotel_policy(&tid("nope"), comms)
        .await
        .unwrap_err();
    assert!(
        matches!(orphan, StorageError::NotFound { what: "tenant", .. }),
        "{orphan}"
    );
    assert!(store.delete_tenant(&a).await.unwrap());
    store
        .create_tenant(Some(a.clone()), "A again")
        .await
        .unwrap();
    assert_eq!(
        store.hotel_policy(&a).await.unwrap(),
        HotelPolicy::default(),
        "the deleted tenant's policy went with it"
    );
    assert_eq!(store.hotel_policy(&b).await.unwrap(), first);
}

async fn audit_log(store: Store) {
    let t = tid("t");
    let user: UserId = "u1".parse().unwrap();
    for (i, tool) in ["get_bookings", "ack_booking", "get_availability"]
        .iter()
        .enumerate()
    {
        store
            .record_audit(&[AuditEntry {
                tenant_id: t.clone(),
                user_id: (i == 1).then(|| user.clone()),
                tool: (*tool).into(),
                outcome: if i == 2 { "upstream_timeout" } else { "ok" }.into(),
                duration_ms: i as i64 * 10,
                args_digest: format!("digest-{i}"),
                transport: Some(["mcp", "sse", "rest"][i]),
                client: (i == 0).then(|| "claude-ai".to_owned()),
                upstream_status: (i != 2).then_some(200),
                connection: None,
            }])
            .await
            .unwrap();
    }
    let page = |query: AuditQuery| {
        let store = store.clone();
        async move { store.audit(&query).await.unwrap() }
    };
    let mine = |limit| AuditQuery {
        tenant: Some(t.clone()),
        limit,
        ..AuditQuery::default()
    };
    let first = page(mine(2)).await;
    assert_eq!(first.entries.len(), 2);
    let newest = &first.entries[0];
    assert_eq!(
        (
            newest.tool.as_str(),
            newest.outcome.as_str(),
            newest.duration_ms
        ),
        ("get_availability", "upstream_timeout", 20)
    );
    assert_eq!(
        (newest.transport.as_deref(), newest.upstream_status),
        (Some("rest"), None)
    );
    assert_eq!(first.entries[1].user_id.as_ref(), Some(&user));
    assert_eq!(first.entries[1].args_digest, "digest-1");
    // The cursor leads to the rest, and the last page says there is no more.
    let rest = page(AuditQuery {
        before: first.next_cursor,
        ..mine(2)
    })
    .await;
    assert_eq!(rest.entries.len(), 1);
    assert_eq!(rest.next_cursor, None);
    let oldest = &rest.entries[0];
    assert_eq!(
        (
            oldest.client.as_deref(),
            oldest.upstream_status,
            oldest.transport.as_deref()
        ),
        (Some("claude-ai"), Some(200), Some("mcp"))
    );
    // Filters, alone and together.
    let by_tool = page(AuditQuery {
        tool: Some("ack_booking".into()),
        ..mine(10)
    })
    .await;
    assert_eq!(by_tool.entries.len(), 1);
    let by_outcome = page(AuditQuery {
        outcome: Some("ok".into()),
        since: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        ..mine(10)
    })
    .await;
    assert_eq!(by_outcome.entries.len(), 2);
    let future = page(AuditQuery {
        since: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..mine(10)
    })
    .await;
    assert!(future.entries.is_empty());
    let before_any = page(AuditQuery {
        until: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        ..mine(10)
    })
    .await;
    assert!(before_any.entries.is_empty());
    let other = page(AuditQuery {
        tenant: Some(tid("other")),
        ..mine(10)
    })
    .await;
    assert!(other.entries.is_empty());
    let everyone = page(AuditQuery {
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(everyone.entries.len(), 3);
}

/// A REST connection of a new tenant `t`, and the audit entry of a call
/// the tenant made on `/mcp` (on no connection).
async fn connection_and_call(store: &Store) -> (Connection, AuditEntry) {
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    let c = store.create_connection(&t.id).await.unwrap();
    let on_mcp = AuditEntry {
        transport: Some("mcp"),
        connection: None,
        ..call_on(&c)
    };
    (c, on_mcp)
}

/// How many audit entries `tenant` has (up to 1,000).
async fn entries_of(store: &Store, tenant: &TenantId) -> usize {
    let all = AuditQuery {
        tenant: Some(tenant.clone()),
        limit: 1_000,
        ..AuditQuery::default()
    };
    store.audit(&all).await.unwrap().entries.len()
}

/// Groups of every shape the writer takes: one statement alone, several
/// statements in one transaction (more rows than one `INSERT` holds), and
/// calls made on REST connections, whose uses commit with them.
async fn audit_groups_commit_whole(store: Store) {
    let (c, on_mcp) = connection_and_call(&store).await;
    let stored = || entries_of(&store, &c.tenant_id);
    store
        .record_audit(std::slice::from_ref(&on_mcp))
        .await
        .unwrap();
    assert_eq!(stored().await, 1);
    store
        .record_audit(&vec![on_mcp.clone(); 300])
        .await
        .unwrap();
    assert_eq!(stored().await, 301);
    let mut mixed = vec![on_mcp; 299];
    mixed.push(call_on(&c));
    store.record_audit(&mixed).await.unwrap();
    assert_eq!(stored().await, 601);
    let used = store.get_connection(&c.id, HOUR).await.unwrap().unwrap();
    assert_eq!(used.tool_calls, 1);
}

/// The audit writer's connection after a group the database refused.
mod refused_group {
    use super::*;
    use crate::support::TestDb;

    on_both_backends!(|db| db; a_group_refused_part_way_leaves_nothing_and_holds_nothing);

    /// A group whose last statement the database refuses (here a trigger on
    /// the connections' uses, the insert before it having succeeded) stores
    /// none of its entries, leaves no transaction open on the writer's
    /// connection, nor the write lock held, and the next group commits.
    async fn a_group_refused_part_way_leaves_nothing_and_holds_nothing(db: TestDb) {
        let store = db.store().await;
        let (c, _) = connection_and_call(&store).await;
        sqlx::any::install_default_drivers();
        let mut other = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        let refuse = match store.backend() {
            Backend::Sqlite => {
                "CREATE TRIGGER refuse_use BEFORE UPDATE ON connections \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            }
            Backend::Postgres => {
                "CREATE FUNCTION refuse_use() RETURNS trigger LANGUAGE plpgsql AS \
                   $$ BEGIN RAISE EXCEPTION 'refused'; END $$; \
                 CREATE TRIGGER refuse_use BEFORE UPDATE ON connections \
                   FOR EACH ROW EXECUTE FUNCTION refuse_use()"
            }
        };
        sqlx::raw_sql(refuse).execute(&mut other).await.unwrap();
        let entries = || entries_of(&store, &c.tenant_id);
        let calls = || async {
            let stored = store.get_connection(&c.id, HOUR).await.unwrap();
            stored.unwrap().tool_calls
        };

        let err = store.record_audit(&[call_on(&c)]).await.unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        assert_eq!(entries().await, 0);
        assert_eq!(calls().await, 0);
        // Another writer gets the lock at once (a transaction left open would
        // hold it on SQLite until the busy timeout).
        let dropped = match store.backend() {
            Backend::Sqlite => "DROP TRIGGER refuse_use",
            Backend::Postgres => "DROP TRIGGER refuse_use ON connections",
        };
        tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::raw_sql(dropped).execute(&mut other),
        )
        .await
        .expect("the write lock is free")
        .unwrap();
        store.record_audit(&[call_on(&c)]).await.unwrap();
        assert_eq!(entries().await, 1);
        assert_eq!(calls().await, 1);
    }
}

async fn closed_store_reports_database_errors(store: Store) {
    // The connections kept apart from the pool (the audit writer's, the
    // epoch reads') are in use before the store closes...
    let t = store.create_tenant(Some(tid("t")), "T").await.unwrap();
    let c = store.create_connection(&t.id).await.unwrap();
    store.record_audit(&[call_on(&c)]).await.unwrap();
    assert!(store.tenant_stamp(&t.id).await.unwrap().is_some());
    store.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StorageError::Database { .. }), "{err}");
    assert!(store.count_active_connections(HOUR).await.is_err());
    // ...and closed with it, never made again.
    let err = store.record_audit(&[call_on(&c)]).await.unwrap_err();
    assert!(matches!(err, StorageError::Database { .. }), "{err}");
    assert!(store.tenant_stamp(&t.id).await.is_err());
}

/// The path of a SQLite test database's file.
fn sqlite_file(db: &crate::support::TestDb) -> String {
    db.url.trim_start_matches("sqlite://").to_owned()
}

/// The SQLite file holds the hotels' encrypted keys: only its owner may
/// read it, and so the WAL beside it.
#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = crate::support::TestDb::sqlite().await;
    let store = db.store().await;
    store.create_tenant(None, "Private").await.unwrap();
    let path = sqlite_file(&db);
    for file in [path.clone(), format!("{path}-wal")] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
}

/// No commit copies SQLite's log into the file on its own (a checkpoint
/// waits on the disk, and the audit writer's commit that did it held every
/// call of its group): the audit trail's companion task does, beside it,
/// and under writes that never pause the log is still started afresh.
#[tokio::test]
async fn the_audit_trail_copies_the_sqlite_log_into_the_file() {
    let db = crate::support::TestDb::sqlite().await;
    let store = db.store().await;
    let (_, on_mcp) = connection_and_call(&store).await;
    let record = || store.record_audit(std::slice::from_ref(&on_mcp));
    let path = sqlite_file(&db);
    let wal = format!("{path}-wal");
    let size = |file: &str| std::fs::metadata(file).unwrap().len();
    // The log's salt, which SQLite changes each time it starts it afresh.
    let salt = || std::fs::read(&wal).unwrap()[16..24].to_vec();
    let before = size(&path);
    // Well past SQLite's automatic checkpoint (1,000 pages of the log),
    // one commit each, as the writer makes them one call at a time.
    for _ in 0..5_000 {
        if size(&wal) > 1_200 * 4096 {
            break;
        }
        record().await.unwrap();
    }
    assert!(size(&wal) > 1_200 * 4096, "the log grew past the mark");
    assert_eq!(size(&path), before, "no commit checkpointed");

    let newest = AuditQuery {
        limit: 1,
        ..AuditQuery::default()
    };
    let first_salt = salt();
    let _trail = AuditTrail::start(store.for_background());
    let waited = std::time::Instant::now();
    while size(&path) == before || salt() == first_salt {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "copied into the file: {}, the log started afresh: {}",
            size(&path) != before,
            salt() != first_salt
        );
        // Commits queued behind each other and reads beside them, as
        // under load: a passive checkpoint never catches the log's end.
        let (a, b, c, read) = tokio::join!(record(), record(), record(), store.audit(&newest));
        for recorded in [a, b, c] {
            recorded.unwrap();
        }
        read.unwrap();
    }
}

/// Starting the log afresh waits for no reader: one still on the log (a
/// backup, say) leaves it for a later try. The writer's connection waits
/// for another writer afterwards as it did before, not failing at once.
#[tokio::test]
async fn restarting_the_log_waits_for_no_reader_and_leaves_the_writer_patient() {
    let db = crate::support::TestDb::sqlite().await;
    let store = db.store().await;
    let (_, on_mcp) = connection_and_call(&store).await;
    let record = || store.record_audit(std::slice::from_ref(&on_mcp));
    record().await.unwrap();
    let path = sqlite_file(&db);
    let other = rusqlite::Connection::open(&path).unwrap();

    // A reader on the log: the restart neither waits for it (five
    // seconds, the busy timeout) nor fails.
    other
        .execute_batch("BEGIN; SELECT count(*) FROM audit_log;")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(4), store.restart_log())
        .await
        .expect("the restart waited for the reader")
        .unwrap();
    other.execute_batch("COMMIT;").unwrap();

    // Another writer holds the lock for a moment: the audit commit waits.
    other.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.execute_batch("COMMIT;").unwrap();
    });
    record().await.unwrap();
    release.join().unwrap();
}

/// An in-memory SQLite database would lose every hotel's key at exit, and
/// the CLI could not reach it: refused, saying why.
#[tokio::test]
async fn an_in_memory_sqlite_database_is_refused() {
    for url in ["sqlite::memory:", "sqlite://quendoo.db?mode=memory"] {
        let error = Store::connect(url).await.unwrap_err();
        assert!(
            matches!(error, StorageError::InMemorySqlite),
            "{url}: {error}"
        );
        assert!(error.to_string().contains("give a file"), "{error}");
    }
}
