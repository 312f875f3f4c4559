//! What a tool handler gets to work with: the shared PMS client, the
//! tenant's credential for this tool, the tenant's cached PMS facts, and
//! the result budget its answer must fit.

use std::{collections::HashMap, ops::Deref, sync::Arc};

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

    /// Room ids by the channels' room ids (`ext_room_id`), read afresh: only
    /// a preview of a change to the channels' allotment needs them.
    pub async fn rooms_by_ext_id(&self) -> Result<HashMap<String, i64>, ToolError> {
        let rooms: Value = self
            .client
            .get_rooms_details(&self.credential, None, None)
            .await?;
        Ok(rooms
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|room| Some((room["ext_room_id"].as_str()?.to_owned(), id_of(room)?)))
            .collect())
    }

    /// Every booking of the hotel (cached per tenant for a few seconds).
    pub async fn bookings(&self) -> Result<Bookings, ToolError> {
        let data = self
            .caches
            .bookings
            .try_get_with(self.cache_key.clone(), async {
                let data = self.client.get_bookings(&self.credential).await?;
                Ok::<_, quendoo_api::Error>(Arc::new(data))
            })
            .await
            .map_err(ToolError::Upstream)?;
        match &*data {
            Value::Array(list) if list.iter().all(Value::is_object) => Ok(Bookings(data)),
            _ => Err(ToolError::UnexpectedResponse("a list of bookings")),
        }
    }

    /// After a booking write: the next read asks Quendoo again.
    pub async fn forget_bookings(&self) {
        self.caches.bookings.invalidate(&self.cache_key).await;
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

/// The hotel's bookings, each a JSON object as Quendoo sent it.
pub struct Bookings(Arc<Value>);

impl Deref for Bookings {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        // Checked to be a list when made.
        self.0.as_array().map_or(&[], Vec::as_slice)
    }
}

/// `[{"id": 2666, "name": "Double"}, ...]` to a map; ids may come as strings.
fn room_names_of(rooms: &Value) -> HashMap<i64, String> {
    rooms
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|room| Some((id_of(room)?, room["name"].as_str()?.to_owned())))
        .collect()
}

/// A room's `id`, which may come as a number or a string.
fn id_of(room: &Value) -> Option<i64> {
    match &room["id"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
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
