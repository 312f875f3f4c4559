//! Inventory: how many rooms of each type are free per night, and changing it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use quendoo_api::{AvailabilityValue, Sysres};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Hints, ResultBudget, Spec, ToolDef, ToolError, budget::Cut, cursor, define,
    property::WriteOutcome,
};
use crate::{domain::KeyName, policy::Toolset};

/// Longer ranges are slow upstream (tens of seconds) and too much to read.
const MAX_RANGE_DAYS: i64 = 366;
const MAX_UPDATE_VALUES: usize = 1000;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AvailabilityArgs {
    /// First night, `YYYY-MM-DD`.
    date_from: NaiveDate,
    /// Last night, `YYYY-MM-DD`, at most 366 days later.
    date_to: NaiveDate,
    /// `qdo` unless asked for the channels' inventory.
    sysres: Sysres,
    /// `next_cursor` of a cut answer (same other arguments).
    #[schemars(length(min = 1, max = 100))]
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct AvailabilityReport {
    date_from: NaiveDate,
    date_to: NaiveDate,
    #[schemars(schema_with = "sysres_values")]
    sysres: Sysres,
    /// Runs of consecutive equal nights, by room id, then date.
    availability: Vec<Run>,
    /// `cursor` for the runs left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Set when the result budget cut the answer: `omitted` runs, `ask_next` says how to get them.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
}

/// The echoed `sysres`, without the input's explanations.
fn sysres_values(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["qdo", "ext"]})
}

/// One room type and night, as Quendoo reports it.
#[derive(Debug, PartialEq)]
struct NightAvailability {
    room_id: i64,
    room_name: Option<String>,
    date: NaiveDate,
    qty: i64,
    is_opened: bool,
}

// Consecutive nights of one room type with the same values.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
struct Run {
    room_id: i64,
    // Absent if the PMS no longer lists the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    room_name: Option<String>,
    /// First night.
    from: NaiveDate,
    /// Last night.
    to: NaiveDate,
    /// Rooms free each night.
    qty: i64,
    // Open for sale (when Quendoo does not say: some rooms are free).
    is_opened: bool,
}

pub fn get_availability() -> ToolDef {
    define(
        Spec {
            name: "get_availability",
            title: "Free rooms per night",
            description: "Free rooms per room type and night over up to 366 nights, and \
                whether each is open for sale, as runs of nights with equal values. No prices \
                (use get_booking_offers). Read it before update_availability.",
            hints: Hints::READ,
            toolset: Toolset::Availability,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: AvailabilityArgs| async move {
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
            let start = match args.cursor.as_deref() {
                Some(text) => Some(cursor::decode(CURSOR, text, parse_position)?),
                None => None,
            };
            let mut nights = flatten_availability(&data, |room| names.get(&room).cloned())?;
            if let Some(start) = start {
                nights.retain(|night| (night.room_id, night.date) >= start);
            }
            report(&args, runs_of(nights), context.budget())
        },
    )
}

const CURSOR: &str = "availability";

/// A cursor's position: the room id and night the answer goes on from.
fn parse_position(position: &str) -> Option<(i64, NaiveDate)> {
    let (room, date) = position.split_once('@')?;
    Some((room.parse().ok()?, date.parse().ok()?))
}

/// The runs that fit the budget, and where to go on when some do not.
fn report(
    args: &AvailabilityArgs,
    runs: Vec<Run>,
    budget: ResultBudget,
) -> Result<AvailabilityReport, ToolError> {
    budget.fit(&runs, |kept| {
        let next = runs.get(kept);
        AvailabilityReport {
            date_from: args.date_from,
            date_to: args.date_to,
            sysres: args.sysres,
            availability: runs[..kept].to_vec(),
            next_cursor: next
                .map(|run| cursor::encode(CURSOR, &format!("{}@{}", run.room_id, run.from))),
            cut: next.map(|run| Cut {
                omitted: runs.len() - kept,
                ask_next: format!(
                    "Runs from room {} on {} on did not fit the result budget: call again with \
                     the same arguments and `cursor` = `next_cursor`, or ask for fewer nights.",
                    run.room_id, run.from
                ),
            }),
        }
    })
}

/// Nights sorted by room, then date, merged into runs of consecutive
/// nights with the same values.
fn runs_of(nights: Vec<NightAvailability>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for night in nights {
        if let Some(run) = runs.last_mut()
            && run.room_id == night.room_id
            && run.qty == night.qty
            && run.is_opened == night.is_opened
            && run.to.succ_opt() == Some(night.date)
        {
            run.to = night.date;
            continue;
        }
        runs.push(Run {
            room_id: night.room_id,
            room_name: night.room_name,
            from: night.date,
            to: night.date,
            qty: night.qty,
            is_opened: night.is_opened,
        });
    }
    runs
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
        let mut nights = nights
            .iter()
            .map(|(date, value)| Ok((date.parse().map_err(|_| unexpected())?, value)))
            .collect::<Result<Vec<(NaiveDate, &Value)>, ToolError>>()?;
        nights.sort_by_key(|(date, _)| *date);
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
                date,
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
        let double = NightAvailability {
            room_name: Some("Double".into()),
            ..night(2666, "2026-03-15", 4, false)
        };
        assert_eq!(
            rows,
            vec![
                double,
                night(2667, "2026-03-15", 2, true),
                night(2667, "2026-03-16", 0, false),
            ]
        );
    }

    fn night(room_id: i64, date: &str, qty: i64, is_opened: bool) -> NightAvailability {
        NightAvailability {
            room_id,
            room_name: None,
            date: date.parse().unwrap(),
            qty,
            is_opened,
        }
    }

    fn spans(runs: &[Run]) -> Vec<(i64, String, String, i64, bool)> {
        runs.iter()
            .map(|r| {
                (
                    r.room_id,
                    r.from.to_string(),
                    r.to.to_string(),
                    r.qty,
                    r.is_opened,
                )
            })
            .collect()
    }

    #[test]
    fn equal_consecutive_nights_of_a_room_make_one_run() {
        let runs = runs_of(vec![
            night(1, "2026-03-30", 2, true),
            night(1, "2026-03-31", 2, true),
            night(1, "2026-04-01", 2, true),
            // Same values, but a night is missing: a new run.
            night(1, "2026-04-03", 2, true),
            // Same count, closed: a new run.
            night(1, "2026-04-04", 2, false),
            // Another room with the same values: a new run.
            night(2, "2026-04-05", 2, false),
            night(2, "2026-04-06", 0, false),
        ]);
        let d = |s: &str| s.to_owned();
        assert_eq!(
            spans(&runs),
            vec![
                (1, d("2026-03-30"), d("2026-04-01"), 2, true),
                (1, d("2026-04-03"), d("2026-04-03"), 2, true),
                (1, d("2026-04-04"), d("2026-04-04"), 2, false),
                (2, d("2026-04-05"), d("2026-04-05"), 2, false),
                (2, d("2026-04-06"), d("2026-04-06"), 0, false),
            ]
        );
        assert!(runs_of(Vec::new()).is_empty());
    }

    #[test]
    fn a_cut_report_names_where_to_go_on_and_its_cursor_gets_there() {
        let args: AvailabilityArgs = serde_json::from_value(
            json!({"date_from": "2026-01-01", "date_to": "2026-12-31", "sysres": "qdo"}),
        )
        .unwrap();
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // Every night differs from the next: one run per night.
        let nights: Vec<_> = (0..200)
            .map(|i| NightAvailability {
                room_id: 10 + i / 100,
                room_name: Some("Double".into()),
                date: start + chrono::Days::new(i as u64 % 100),
                qty: i % 2,
                is_opened: true,
            })
            .collect();
        let all = runs_of(nights);
        let budget: ResultBudget = "500".parse().unwrap();
        let cut = report(&args, all.clone(), budget).unwrap();
        assert!(crate::tools::json_size(&cut) <= budget.bytes());
        let kept = cut.availability.len();
        let next = &all[kept];
        let notice = cut.cut.as_ref().unwrap();
        assert_eq!(notice.omitted, all.len() - kept);
        assert!(
            notice.ask_next.contains(&next.from.to_string()),
            "{notice:?}"
        );
        let position = cursor::decode(CURSOR, cut.next_cursor.as_deref().unwrap(), parse_position);
        assert_eq!(position.unwrap(), (next.room_id, next.from));

        let whole = report(&args, all.clone(), ResultBudget::DEFAULT).unwrap();
        assert_eq!(
            (whole.availability, whole.cut, whole.next_cursor),
            (all, None, None)
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
