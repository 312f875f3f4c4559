//! The admin API. `/admin/api-keys`: a hotel manages its own credentials
//! with its own bearer token (values go in, never out). `/admin/tenants` and
//! `/admin/users`: platform administration, for `ADMIN_TOKEN` or a JWT with
//! `role: "admin"` and no tenant. `/admin/tenants/{id}/policy`: the
//! platform sets what a hotel's assistants may do; `/admin/policy`: the
//! hotel reads it.

use axum::{
    Json, Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    routing::{delete, get, post, put},
};
use quendoo_api::Error as UpstreamError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, de::IgnoredAny};
use serde_json::{Map, Value, json};

use super::caller::{PlatformAdmin, SeedCaller};
use super::error::{ApiError, ApiJson};
use super::rest::query_param;
use crate::{
    auth::password,
    domain::{EmailAddress, KeyName, TenantId, TenantName, UserId},
    http::AppState,
    policy::{HotelPolicy, PolicyChange},
    tools::ToolError,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api-keys", get(list_keys).post(save_key))
        .route("/admin/api-keys/{key_name}", delete(delete_key))
        .route("/admin/tenants", get(list_tenants).post(create_tenant))
        .route("/admin/tenants/{id}", delete(delete_tenant))
        .route(
            "/admin/tenants/{id}/policy",
            get(tenant_policy).put(change_tenant_policy),
        )
        .route("/admin/policy", get(own_policy))
        .route("/admin/users", get(list_users).post(create_user))
        .route("/admin/users/{id}/password", post(set_password))
        .route("/admin/users/{id}/disabled", put(set_disabled))
        .route("/admin/oauth/clients", get(list_oauth_clients))
        .route("/admin/oauth/grants", get(list_grants))
        .route("/admin/oauth/grants/{id}", delete(revoke_grant))
}

// ---- the tenant's own keys -------------------------------------------------

#[derive(Deserialize)]
struct SaveKey {
    key_name: KeyName,
    key_value: SecretString,
    #[serde(default)]
    verify: bool,
}

async fn save_key(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
    RawQuery(query): RawQuery,
    ApiJson(body): ApiJson<SaveKey>,
) -> Result<Json<Value>, ApiError> {
    // The seed put the value in the query string, where proxies and access
    // logs keep it: refuse that form outright rather than half-accept it.
    if query.is_some_and(|q| q.contains("key_value")) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Send key_name and key_value in a JSON body, never in the URL; \
             treat the value sent in the URL as leaked and replace it",
        ));
    }
    let name = body.key_name;
    let verified = if body.verify {
        verify_key(&state, name, &body.key_value).await?;
        Some(true)
    } else {
        None
    };
    state
        .secrets
        .set(&caller.tenant, name, &body.key_value)
        .await?;
    tracing::info!(tenant = %caller.tenant, key_name = %name, "api key saved");
    let mut answer = json!({
        "status": "success",
        "message": format!("API key '{name}' saved successfully"),
    });
    if let Some(verified) = verified {
        answer["verified"] = json!(verified);
    }
    Ok(Json(answer))
}

/// Asks the PMS whether a `QUENDOO_API_KEY` works before it is saved.
async fn verify_key(state: &AppState, name: KeyName, value: &SecretString) -> Result<(), ApiError> {
    if name != KeyName::QuendooApiKey {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("verify is available for {} only", KeyName::QuendooApiKey),
        ));
    }
    match state
        .protocol
        .executor()
        .client()
        .get_property_settings::<IgnoredAny>(value, None, Some("property"))
        .await
    {
        Ok(_) => Ok(()),
        Err(UpstreamError::KeyRejected { .. }) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Quendoo rejected this {name}; it was not saved"),
        )),
        Err(error) => Err(ToolError::from(error).into()),
    }
}

async fn list_keys(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
) -> Result<Json<Value>, ApiError> {
    let keys = state.secrets.list_active(&caller.tenant).await?;
    Ok(Json(json!({ "keys": keys })))
}

async fn delete_key(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
    Path(key_name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let name: KeyName = key_name
        .parse()
        .map_err(|error| ApiError::new(StatusCode::BAD_REQUEST, format!("{error}")))?;
    if !state.secrets.delete(&caller.tenant, name).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("API key '{name}' not found"),
        ));
    }
    tracing::info!(tenant = %caller.tenant, key_name = %name, "api key deleted");
    Ok(Json(json!({
        "status": "success",
        "message": format!("API key '{name}' deleted successfully"),
    })))
}

// ---- platform administration ----------------------------------------------

#[derive(Deserialize)]
struct NewTenant {
    name: String,
    /// Chosen by the caller (the dashboard's own id), else a fresh UUID.
    #[serde(default)]
    id: Option<TenantId>,
}

async fn create_tenant(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    ApiJson(body): ApiJson<NewTenant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name: TenantName = body.name.parse().map_err(|error| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("name: {error}"))
    })?;
    let tenant = state.store.create_tenant(body.id, name.as_str()).await?;
    tracing::info!(tenant = %tenant.id, "tenant created");
    Ok((StatusCode::CREATED, Json(json!(tenant))))
}

async fn list_tenants(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
) -> Result<Json<Value>, ApiError> {
    let tenants = state.store.list_tenants().await?;
    Ok(Json(json!({ "tenants": tenants })))
}

fn tenant_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Tenant not found")
}

/// A tenant id from the path; one that cannot be an id names no tenant.
fn tenant_id(raw: &str) -> Result<TenantId, ApiError> {
    raw.parse().map_err(|_| tenant_not_found())
}

async fn delete_tenant(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = tenant_id(&id)?;
    if !state.store.delete_tenant(&id).await? {
        return Err(tenant_not_found());
    }
    tracing::info!(tenant = %id, "tenant deleted");
    Ok(Json(json!({
        "status": "success",
        "message": format!("Tenant '{id}' deleted with its users, keys and connections"),
    })))
}

/// The hotel's policy: the defaults when the operator never set one.
async fn tenant_policy(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
) -> Result<Json<HotelPolicy>, ApiError> {
    Ok(Json(
        existing_tenant_policy(&state, &tenant_id(&id)?).await?,
    ))
}

async fn existing_tenant_policy(state: &AppState, id: &TenantId) -> Result<HotelPolicy, ApiError> {
    state.store.require_tenant(id).await?;
    Ok(state.store.hotel_policy(id).await?)
}

/// Changes the fields the body names, keeps the others; answers the result.
async fn change_tenant_policy(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<Json<HotelPolicy>, ApiError> {
    let id = tenant_id(&id)?;
    let change = PolicyChange::try_from(body)
        .map_err(|error| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error))?;
    if change.is_empty() {
        // Nothing to store: a row of defaults would pin today's defaults.
        return Ok(Json(existing_tenant_policy(&state, &id).await?));
    }
    let policy = state.store.change_hotel_policy(&id, change).await?;
    tracing::info!(
        tenant = %id,
        toolsets = %policy.toolsets,
        read_only = policy.read_only,
        pms_writes = policy.pms_writes.name(),
        comms = policy.comms.name(),
        "hotel policy changed"
    );
    Ok(Json(policy))
}

/// The calling hotel's own policy (read only: the platform sets it).
async fn own_policy(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
) -> Result<Json<HotelPolicy>, ApiError> {
    Ok(Json(state.store.hotel_policy(&caller.tenant).await?))
}

#[derive(Deserialize)]
struct NewUser {
    email: EmailAddress,
    tenant_id: TenantId,
}

async fn create_user(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = state
        .store
        .create_user(&body.tenant_id, &body.email)
        .await?;
    tracing::info!(tenant = %user.tenant_id, user = %user.id, "user created");
    Ok((StatusCode::CREATED, Json(json!(user))))
}

/// `?tenant_id=` narrows the list to one tenant.
async fn list_users(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let tenant = tenant_filter(query.as_deref())?;
    let users = state.store.list_users(tenant.as_ref()).await?;
    Ok(Json(json!({ "users": users })))
}

/// The `tenant_id` query parameter, when given.
fn tenant_filter(query: Option<&str>) -> Result<Option<TenantId>, ApiError> {
    query_param(query, "tenant_id")
        .map(|raw| {
            raw.parse::<TenantId>()
                .map_err(|error| ApiError::new(StatusCode::BAD_REQUEST, error.to_string()))
        })
        .transpose()
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "User not found"))
}

#[derive(Deserialize)]
struct NewPassword {
    password: SecretString,
}

/// Sets the password a user signs in with over OAuth (argon2id).
async fn set_password(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let hash = tokio::task::spawn_blocking(move || password::hash(body.password.expose_secret()))
        .await
        .map_err(|error| ApiError::internal("hashing a password", &error))?
        .map_err(|error| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()))?;
    if !state.store.set_password_hash(&id, &hash).await? {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "User not found"));
    }
    // A new password ends what was granted with the old one.
    state.store.revoke_grants_of_user(&id).await?;
    tracing::info!(user = %id, "password set");
    Ok(Json(
        json!({"status": "success", "message": "Password set"}),
    ))
}

#[derive(Deserialize)]
struct Disabled {
    disabled: bool,
}

/// Disables a user (no sign-in, and their grants stop working) or enables
/// them again.
async fn set_disabled(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Disabled>,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    if !state.store.set_user_disabled(&id, body.disabled).await? {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "User not found"));
    }
    tracing::info!(user = %id, disabled = body.disabled, "user updated");
    Ok(Json(
        json!({"status": "success", "disabled": body.disabled}),
    ))
}

async fn list_oauth_clients(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
) -> Result<Json<Value>, ApiError> {
    let clients = state.store.list_oauth_clients().await?;
    Ok(Json(json!({ "clients": clients })))
}

/// `?tenant_id=` narrows the list to one tenant.
async fn list_grants(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let tenant = tenant_filter(query.as_deref())?;
    let grants = state.store.list_grants(tenant.as_ref()).await?;
    Ok(Json(json!({ "grants": grants })))
}

async fn revoke_grant(
    State(state): State<AppState>,
    _admin: PlatformAdmin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !state.store.revoke_grant(&id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "No active grant has this id",
        ));
    }
    tracing::info!(grant = %id, "grant revoked by the platform administrator");
    Ok(Json(
        json!({"status": "success", "message": "Grant revoked"}),
    ))
}
