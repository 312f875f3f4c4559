//! Argument completion for the prompts and the resource template: room
//! names from the caller's own hotel, and dates from today. Guest names are
//! never suggested: they are guests' data.

use chrono::Days;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, ErrorData, Reference};
use serde_json::json;

use super::{
    Protocol,
    prompts::{ARRIVALS, FIND_GUEST, OUTLOOK, UNACKNOWLEDGED, today},
    resources::AVAILABILITY_TEMPLATE,
};
use crate::{auth::Scope, executor::Caller};

/// Dates offered, from today on.
const DATES_AHEAD: u64 = 14;
const DAYS: [&str; 5] = ["7", "14", "30", "60", "90"];

impl Protocol {
    pub async fn complete(
        &self,
        caller: &Caller,
        request: &CompleteRequestParams,
    ) -> Result<CompleteResult, ErrorData> {
        let argument = request.argument.name.as_str();
        let typed = request.argument.value.trim();
        let candidates = match (&request.r#ref, argument) {
            (Reference::Prompt(prompt), _)
                if ![ARRIVALS, OUTLOOK, UNACKNOWLEDGED, FIND_GUEST]
                    .contains(&prompt.name.as_str()) =>
            {
                return Err(ErrorData::invalid_params(
                    "unknown prompt: prompts/list names the ones this server has",
                    None,
                ));
            }
            (Reference::Resource(resource), _) if resource.uri != AVAILABILITY_TEMPLATE => {
                return Err(ErrorData::invalid_params(
                    "unknown resource template: resources/templates/list names the ones this \
                     server has",
                    None,
                ));
            }
            (Reference::Prompt(prompt), "room_type") if prompt.name == OUTLOOK => {
                self.room_names(caller).await
            }
            (Reference::Prompt(prompt), "days") if prompt.name == OUTLOOK => {
                DAYS.iter().map(|days| (*days).to_owned()).collect()
            }
            (Reference::Prompt(prompt), "date") if prompt.name == ARRIVALS => dates(),
            (Reference::Resource(_), "date_from" | "date_to") => dates(),
            _ => Vec::new(),
        };
        let needle = typed.to_lowercase();
        let values: Vec<String> = candidates
            .into_iter()
            .filter(|value| value.to_lowercase().contains(&needle))
            .take(CompletionInfo::MAX_VALUES)
            .collect();
        let completion =
            CompletionInfo::new(values).map_err(|error| ErrorData::internal_error(error, None))?;
        Ok(CompleteResult::new(completion))
    }

    /// The hotel's room type names; none when they cannot be read (a
    /// completion is a convenience, never an error for that).
    async fn room_names(&self, caller: &Caller) -> Vec<String> {
        if !caller.scopes.contains(Scope::Read) {
            return Vec::new();
        }
        let Ok(settings) = self
            .read(caller, "get_property_settings", json!({"names": "rooms"}))
            .await
        else {
            return Vec::new();
        };
        let Ok(settings) = settings.value() else {
            return Vec::new();
        };
        settings["data"]["rooms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|room| room["name"].as_str().map(str::to_owned))
            .collect()
    }
}

fn dates() -> Vec<String> {
    let today = today();
    (0..DATES_AHEAD)
        .map(|ahead| (today + Days::new(ahead)).to_string())
        .collect()
}
