//! Inventory: how many rooms of each type are free per night, and changing it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use quendoo_api::{AvailabilityValue, Sysres};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Hints, Spec, ToolContext, ToolDef, ToolError, define, property::WriteOutcome};
use crate::{domain::KeyName, policy::Toolset};

/// Longer ranges are slow upstream (tens of seconds) and too much to read.
const MAX_RANGE_DAYS: i64 = 366;
const MAX_UPDATE_VALUES: usize = 1000;

// A range of nights of one inventory; get_occupancy takes the same.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AvailabilityArgs {
    /// First night, `YYYY-MM-DD`.
    pub date_from: NaiveDate,
    /// Last night, `YYYY-MM-DD`, on or after `date_from`, at most 366 days later.
    pub date_to: NaiveDate,
    /// Which inventory: `qdo` for Quendoo's own (direct sales), `ext` for the
    /// inventory shared with external channels. Use `qdo` unless asked otherwise.
    pub sysres: Sysres,
}

#[derive(Serialize, JsonSchema)]
struct AvailabilityReport {
    date_from: NaiveDate,
    date_to: NaiveDate,
    sysres: Sysres,
    /// One entry per room type and night, sorted by room id, then date.
    availability: Vec<NightAvailability>,
}

#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub(super) struct NightAvailability {
    pub room_id: i64,
    /// The room type's name in the PMS; absent if the PMS no longer lists the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    /// The night, `YYYY-MM-DD`.
    pub date: String,
    /// Rooms of this type still free that night.
    pub qty: i64,
    /// Whether the room type is open for sale that night (when Quendoo does
    /// not say, taken as "some rooms are free").
    pub is_opened: bool,
}

pub fn get_availability() -> ToolDef {
    define(
        Spec {
            name: "get_availability",
            title: "Free rooms per night",
            description: "How many rooms of each room type are still free on each night of a \
                date range, and whether each is open for sale, with the room types' names. Use \
                it to answer \"what is free from ... to ...\" or before changing inventory. \
                It gives no prices: for a priced answer to a guest's enquiry use \
                get_booking_offers. Ranges of up to 366 nights; long ranges are slow, so ask \
                for the nights you need.",
            hints: Hints::READ,
            toolset: Toolset::Availability,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: AvailabilityArgs| async move {
            let availability = fetch(&context, &args).await?;
            Ok(AvailabilityReport {
                date_from: args.date_from,
                date_to: args.date_to,
                sysres: args.sysres,
                availability,
            })
        },
    )
}

/// The free rooms per room type and night of `args`' range, named.
pub(super) async fn fetch(
    context: &ToolContext,
    args: &AvailabilityArgs,
) -> Result<Vec<NightAvailability>, ToolError> {
    let days = (args.date_to - args.date_from).num_days();
    if days < 0 {
        return Err(ToolError::InvalidArguments(
            "date_to: must be on or after date_from".into(),
        ));
    }
    if days >= MAX_RANGE_DAYS {
        return Err(ToolError::InvalidArguments(format!(
            "date_to: the range may span at most {MAX_RANGE_DAYS} nights; ask for a shorter range"
        )));
    }
    let (data, names) = tokio::try_join!(
        async {
            Ok(context
                .client()
                .get_availability(
                    context.credential(),
                    args.date_from,
                    args.date_to,
                    args.sysres,
                )
                .await?)
        },
        context.room_names(),
    )?;
    flatten_availability(&data, |room| names.get(&room).cloned())
}

/// `{"2666": {"2026-03-15": 10}}` to sorted rows. A night's value is a count,
/// or an object with `qty`/`avail` and `is_opened`.
fn flatten_availability(
    data: &Value,
    room_name: impl Fn(i64) -> Option<String>,
) -> Result<Vec<NightAvailability>, ToolError> {
    let unexpected = || ToolError::UnexpectedResponse("availability by room and night");
    let rooms = match data {
        Value::Object(rooms) => rooms,
        // An empty range or a property without rooms.
        Value::Array(list) if list.is_empty() => return Ok(Vec::new()),
        _ => return Err(unexpected()),
    };
    let mut by_room = BTreeMap::new();
    for (room, nights) in rooms {
        let room_id: i64 = room.parse().map_err(|_| unexpected())?;
        by_room.insert(room_id, nights.as_object().ok_or_else(unexpected)?);
    }
    let mut rows = Vec::new();
    for (room_id, nights) in by_room {
        let name = room_name(room_id);
        let mut nights: Vec<_> = nights.iter().collect();
        nights.sort_by(|a, b| a.0.cmp(b.0));
        for (date, value) in nights {
            let (qty, opened) = match value {
                Value::Number(n) => (n.as_i64().ok_or_else(unexpected)?, None),
                Value::Object(night) => (
                    night
                        .get("qty")
                        .or_else(|| night.get("avail"))
                        .and_then(Value::as_i64)
                        .ok_or_else(unexpected)?,
                    night.get("is_opened").and_then(|v| match v {
                        Value::Bool(b) => Some(*b),
                        other => other.as_i64().map(|n| n != 0),
                    }),
                ),
                _ => return Err(unexpected()),
            };
            rows.push(NightAvailability {
                room_id,
                room_name: name.clone(),
                date: date.clone(),
                qty,
                is_opened: opened.unwrap_or(qty > 0),
            });
        }
    }
    Ok(rows)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UpdateArgs {
    /// The nights to change, one entry per room type and night (at most 1000).
    /// Each names the room (`room_id`, or `ext_room_id` for a channel's id) and
    /// what to set.
    #[schemars(length(min = 1, max = 1000))]
    values: Vec<AvailabilityValue>,
}

pub fn update_availability() -> ToolDef {
    define(
        Spec {
            name: "update_availability",
            title: "Change availability",
            description: "Sets, per room type and night, how many rooms are for sale and \
                whether the room type is open or closed. A write that changes what guests can \
                book on every channel: only use it when the hotel asks for these exact changes, \
                and read get_availability first to confirm the room ids and current values. \
                Setting the same values again changes nothing further.",
            hints: Hints::write(true, true),
            toolset: Toolset::Availability,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: UpdateArgs| async move {
            check_update_values(&args.values)?;
            let response = context
                .client()
                .update_availability(context.credential(), &args.values)
                .await?;
            Ok(WriteOutcome::new(response))
        },
    )
}

fn check_update_values(values: &[AvailabilityValue]) -> Result<(), ToolError> {
    if values.len() > MAX_UPDATE_VALUES {
        return Err(ToolError::InvalidArguments(format!(
            "values: at most {MAX_UPDATE_VALUES} entries per call"
        )));
    }
    for (index, value) in values.iter().enumerate() {
        if value.room_id.is_none() && value.ext_room_id.is_none() {
            return Err(ToolError::InvalidArguments(format!(
                "values[{index}]: give room_id (or ext_room_id) to say which room type"
            )));
        }
        if value.avail.is_none() && value.qty.is_none() && value.is_opened.is_none() {
            return Err(ToolError::InvalidArguments(format!(
                "values[{index}]: give avail, qty or is_opened: there is nothing to change"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn availability_is_flattened_sorted_and_named() {
        let data = json!({
            "2667": {"2026-03-16": 0, "2026-03-15": 2},
            "2666": {"2026-03-15": {"avail": 4, "is_opened": 0}}
        });
        let rows = flatten_availability(&data, |id| (id == 2666).then(|| "Double".into())).unwrap();
        let summary: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.room_id,
                    r.room_name.as_deref(),
                    r.date.as_str(),
                    r.qty,
                    r.is_opened,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (2666, Some("Double"), "2026-03-15", 4, false),
                (2667, None, "2026-03-15", 2, true),
                (2667, None, "2026-03-16", 0, false),
            ]
        );
    }

    #[test]
    fn an_unexpected_shape_is_reported_not_guessed() {
        assert!(flatten_availability(&json!("oops"), |_| None).is_err());
        assert!(flatten_availability(&json!({"x": {}}), |_| None).is_err());
        assert!(
            flatten_availability(&json!([]), |_| None)
                .unwrap()
                .is_empty()
        );
    }
}
