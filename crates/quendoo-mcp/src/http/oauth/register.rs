//! RFC 7591 dynamic client registration, for public clients only: the
//! fallback for clients without a metadata document.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    clients::{MAX_CLIENT_NAME_CHARS, checked_redirect_uris},
    random_token,
};
use crate::{http::AppState, storage::ClientKind};

fn refused(error: &str, description: impl Into<String>) -> Response {
    let body = json!({"error": error, "error_description": description.into()});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

pub async fn register(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let Ok(Value::Object(metadata)) = serde_json::from_slice::<Value>(&body) else {
        return refused("invalid_client_metadata", "the body must be a JSON object");
    };
    if let Some(method) = metadata.get("token_endpoint_auth_method")
        && method != "none"
    {
        return refused(
            "invalid_client_metadata",
            "only public clients are registered: token_endpoint_auth_method must be none",
        );
    }
    let uris: Vec<String> = match metadata.get("redirect_uris") {
        Some(Value::Array(uris)) => uris
            .iter()
            .filter_map(|uri| uri.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return refused(
                "invalid_redirect_uri",
                "redirect_uris must be a list of URIs",
            );
        }
    };
    let uris = match checked_redirect_uris(&uris) {
        Ok(uris) => uris,
        Err(problem) => return refused("invalid_redirect_uri", problem),
    };
    let name: String = metadata
        .get("client_name")
        .and_then(Value::as_str)
        .unwrap_or("MCP client")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_CLIENT_NAME_CHARS)
        .collect();
    let client_id = format!("mcp-{}", &random_token()[..22]);
    match state
        .store
        .save_oauth_client(&client_id, ClientKind::Dcr, &name, &uris)
        .await
    {
        Ok(client) => {
            tracing::info!(client_id = %client.client_id, "OAuth client registered");
            let body = json!({
                "client_id": client.client_id,
                "client_id_issued_at": client.created_at.timestamp(),
                "client_name": client.client_name,
                "redirect_uris": client.redirect_uris,
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
            });
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "registering an OAuth client failed");
            let body = json!({"error": "temporarily_unavailable",
                              "error_description": "try again shortly"});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
