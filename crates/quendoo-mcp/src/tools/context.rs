//! What a tool handler gets to work with: the shared PMS client, the
//! tenant's credential for this tool, the tenant's cached PMS facts, and
//! the result budget its answer must fit.

use std::{collections::HashMap, sync::Arc};

use quendoo_api::QuendooClient;
use secrecy::SecretString;
use serde_json::Value;

use super::{
    ResultBudget, ToolError,
    cache::{CacheKey, PmsCaches, RoomNames},
};
use crate::domain::TenantId;

pub struct ToolContext {
    client: QuendooClient,
    credential: SecretString,
    caches: PmsCaches,
    cache_key: CacheKey,
    budget: ResultBudget,
}

impl ToolContext {
    pub fn new(
        client: QuendooClient,
        credential: SecretString,
        caches: PmsCaches,
        tenant: &TenantId,
        budget: ResultBudget,
    ) -> Self {
        let cache_key = caches.key(tenant, &credential);
        Self {
            client,
            credential,
            caches,
            cache_key,
            budget,
        }
    }

    /// The most the tool's result may hold.
    pub fn budget(&self) -> ResultBudget {
        self.budget
    }

    pub fn client(&self) -> &QuendooClient {
        &self.client
    }

    pub fn credential(&self) -> &SecretString {
        &self.credential
    }

    /// Room names by room id, from the rooms details (cached per tenant).
    pub async fn room_names(&self) -> Result<RoomNames, ToolError> {
        self.caches
            .room_names
            .try_get_with(self.cache_key.clone(), async {
                let rooms = self
                    .client
                    .get_rooms_details(&self.credential, None, None)
                    .await?;
                Ok::<_, quendoo_api::Error>(Arc::new(room_names_of(&rooms)))
            })
            .await
            .map_err(ToolError::Upstream)
    }

    /// The code of the hotel's first active booking module (cached per tenant).
    pub async fn booking_module(&self) -> Result<String, ToolError> {
        self.caches
            .booking_modules
            .try_get_with(
                self.cache_key.clone(),
                self.client.active_booking_module(&self.credential),
            )
            .await
            .map_err(ToolError::Upstream)
    }
}

/// `[{"id": 2666, "name": "Double"}, ...]` to a map; ids may come as strings.
fn room_names_of(rooms: &Value) -> HashMap<i64, String> {
    rooms
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|room| {
            let id = match &room["id"] {
                Value::Number(n) => n.as_i64()?,
                Value::String(s) => s.parse().ok()?,
                _ => return None,
            };
            Some((id, room["name"].as_str()?.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn room_names_accept_numeric_and_string_ids_and_skip_the_rest() {
        let names = room_names_of(&json!([
            {"id": 2666, "name": "Double Room Sea View"},
            {"id": "2667", "name": "Single"},
            {"id": null, "name": "Broken"},
            {"name": "No id"}
        ]));
        assert_eq!(names.len(), 2);
        assert_eq!(names[&2666], "Double Room Sea View");
        assert_eq!(names[&2667], "Single");
    }
}
