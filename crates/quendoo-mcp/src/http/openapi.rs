//! `GET /openapi.json`: an OpenAPI 3.1 description of the REST endpoints,
//! generated from the table below. A test calls every path it lists, so the
//! table cannot drift from the routers without a failing test.

use axum::{Json, Router, routing::get};
use serde_json::{Map, Value, json};

use super::rest::SERVICE_NAME;
use crate::http::AppState;

pub const PATH: &str = "/openapi.json";

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Access {
    Public,
    /// A hotel's bearer token.
    Tenant,
    /// `ADMIN_TOKEN` or an admin JWT.
    Admin,
}

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    /// The JSON body's properties as `(name, JSON type, required)`.
    body: &'static [(&'static str, &'static str, bool)],
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    body: &'static [(&'static str, &'static str, bool)],
) -> Operation {
    Operation {
        method,
        path,
        summary,
        access,
        body,
    }
}

const OPERATIONS: &[Operation] = &[
    op(
        "get",
        "/",
        "Service name, version, status and endpoints",
        Access::Public,
        &[],
    ),
    op(
        "get",
        "/health",
        "Liveness with a database check (503 when it fails)",
        Access::Public,
        &[],
    ),
    op(
        "post",
        "/mcp/connect",
        "Register a connection for the token's tenant",
        Access::Tenant,
        &[],
    ),
    op(
        "post",
        "/mcp/tools/execute",
        "Run a tool for the connection's tenant; a bearer token, if sent, must be the same tenant's. \
         A write the hotel's policy confirms answers a preview and a code first (result.status \
         confirmation_required): the same tool_args with `confirmation` set to the code run it. \
         403 when the hotel's policy or the X-MCP-Toolsets / X-MCP-Readonly headers leave the \
         tool out; 409 for a code that does not hold or was used already (a code runs once)",
        Access::Public,
        &[
            ("connection_id", "string", true),
            ("tool_name", "string", true),
            ("tool_args", "object", false),
        ],
    ),
    op(
        "post",
        "/mcp/disconnect",
        "Close a connection (JSON body, or ?connection_id= as in the seed)",
        Access::Public,
        &[("connection_id", "string", true)],
    ),
    op(
        "get",
        "/admin/api-keys",
        "The tenant's keys: names, active flag, dates (never values)",
        Access::Tenant,
        &[],
    ),
    op(
        "post",
        "/admin/api-keys",
        "Save a key (QUENDOO_API_KEY, EMAIL_API_KEY or QUENDOO_AUTOMATION_BEARER); verify checks a QUENDOO_API_KEY first",
        Access::Tenant,
        &[
            ("key_name", "string", true),
            ("key_value", "string", true),
            ("verify", "boolean", false),
        ],
    ),
    op(
        "delete",
        "/admin/api-keys/{key_name}",
        "Deactivate one of the tenant's keys",
        Access::Tenant,
        &[],
    ),
    op("get", "/admin/tenants", "List tenants", Access::Admin, &[]),
    op(
        "post",
        "/admin/tenants",
        "Create a tenant",
        Access::Admin,
        &[("name", "string", true), ("id", "string", false)],
    ),
    op(
        "delete",
        "/admin/tenants/{id}",
        "Delete a tenant with its users, keys and connections",
        Access::Admin,
        &[],
    ),
    op(
        "get",
        "/admin/tenants/{id}/policy",
        "A hotel's policy: toolsets, read_only, pms_writes and comms (the defaults when never set)",
        Access::Admin,
        &[],
    ),
    op(
        "put",
        "/admin/tenants/{id}/policy",
        "Change the fields given of a hotel's policy (toolsets: a list or a comma string, all allowed; pms_writes and comms: confirm or direct); answers the result",
        Access::Admin,
        &[
            ("toolsets", "array", false),
            ("read_only", "boolean", false),
            ("pms_writes", "string", false),
            ("comms", "string", false),
        ],
    ),
    op(
        "get",
        "/admin/policy",
        "The calling hotel's own policy (only the platform administrator changes it)",
        Access::Tenant,
        &[],
    ),
    op(
        "get",
        "/admin/users",
        "List users (?tenant_id= for one tenant)",
        Access::Admin,
        &[],
    ),
    op(
        "post",
        "/admin/users",
        "Create a user of a tenant",
        Access::Admin,
        &[("email", "string", true), ("tenant_id", "string", true)],
    ),
    op(
        "post",
        "/admin/users/{id}/password",
        "Set a user's OAuth sign-in password (at least 12 characters)",
        Access::Admin,
        &[("password", "string", true)],
    ),
    op(
        "put",
        "/admin/users/{id}/disabled",
        "Disable or enable a user's sign-in",
        Access::Admin,
        &[("disabled", "boolean", true)],
    ),
    op(
        "get",
        "/admin/oauth/clients",
        "List OAuth clients",
        Access::Admin,
        &[],
    ),
    op(
        "get",
        "/admin/oauth/grants",
        "List active OAuth grants (?tenant_id= for one tenant)",
        Access::Admin,
        &[],
    ),
    op(
        "delete",
        "/admin/oauth/grants/{id}",
        "Revoke a grant and every token issued under it",
        Access::Admin,
        &[],
    ),
    op(
        "get",
        "/admin/audit",
        "The tenant's audit trail, newest first (?since=&until=&tool=&outcome=&limit=&cursor=)",
        Access::Tenant,
        &[],
    ),
    op("get", PATH, "This document", Access::Public, &[]),
];

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(|| async { Json(document()) }))
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let entry = paths.entry(operation.path).or_insert_with(|| json!({}));
        entry[operation.method] = describe(operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": SERVICE_NAME,
            "version": env!("CARGO_PKG_VERSION"),
            "description": "REST API for the dashboard backend and administration. \
                            MCP clients use the Streamable HTTP endpoint POST /mcp instead.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "tenantToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                "description": "HS256 JWT with claim tenantId"},
                "adminToken": {"type": "http", "scheme": "bearer",
                               "description": "ADMIN_TOKEN, or a JWT with role \"admin\" and no tenantId"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["detail"],
                          "properties": {"detail": {"type": "string"}}},
            },
        },
    })
}

fn describe(operation: &Operation) -> Value {
    let error = json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut described = json!({
        "summary": operation.summary,
        "responses": {
            "200": {"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}},
            "default": error,
        },
    });
    let security = match operation.access {
        Access::Public => None,
        Access::Tenant => Some("tenantToken"),
        Access::Admin => Some("adminToken"),
    };
    if let Some(scheme) = security {
        described["security"] = json!([{ scheme: [] }]);
    }
    let parameters: Vec<Value> = path_parameters(operation.path)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !parameters.is_empty() {
        described["parameters"] = json!(parameters);
    }
    if !operation.body.is_empty() {
        let properties: Map<String, Value> = operation
            .body
            .iter()
            .map(|(name, kind, _)| ((*name).to_owned(), json!({"type": kind})))
            .collect();
        let required: Vec<&str> = operation
            .body
            .iter()
            .filter(|(_, _, required)| *required)
            .map(|(name, _, _)| *name)
            .collect();
        described["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {
                "type": "object", "properties": properties, "required": required,
            }}},
        });
    }
    described
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}
