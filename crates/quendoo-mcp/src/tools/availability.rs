//! Inventory: how many rooms of each type are free per night, and changing it.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use quendoo_api::{AvailabilityValue, Sysres};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Hints, Preview, ResultBudget, Spec, ToolContext, ToolDef, ToolError, budget::Cut, cursor,
    define, define_write,
};
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
    /// Last night, `YYYY-MM-DD`, at most 366 days later.
    pub date_to: NaiveDate,
    /// `qdo` unless asked for the channels' inventory.
    pub sysres: Sysres,
    /// `next_cursor` of a cut answer (same other arguments).
    #[schemars(length(min = 1, max = 100))]
    pub cursor: Option<String>,
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
pub(super) struct NightAvailability {
    pub room_id: i64,
    pub room_name: Option<String>,
    pub date: NaiveDate,
    pub qty: i64,
    pub is_opened: bool,
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
            let start = match args.cursor.as_deref() {
                Some(text) => Some(cursor::decode(CURSOR, text, parse_position)?),
                None => None,
            };
            let mut nights = fetch(&context, &args).await?;
            if let Some(start) = start {
                nights.retain(|night| (night.room_id, night.date) >= start);
            }
            report(&args, runs_of(nights), context.budget())
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
    define_write(
        Spec {
            name: "update_availability",
            title: "Change availability",
            description: "Sets, per room type and night, rooms for sale and open or closed: \
                what guests can book on every channel. Only the changes the hotel asked for.",
            hints: Hints::write(true, true),
            toolset: Toolset::Availability,
            credential: KeyName::QuendooApiKey,
        },
        preview_update,
        |context, args: UpdateArgs| async move {
            check_update_values(&args.values)?;
            Ok(context
                .client()
                .update_availability(context.credential(), &args.values)
                .await?)
        },
    )
}

/// Each change next to the room type's free rooms now, consecutive nights
/// with the same change in one line: "Double, 20-22 Dec 2026: 3 free -> 0 free".
async fn preview_update(context: ToolContext, args: UpdateArgs) -> Result<Preview, ToolError> {
    check_update_values(&args.values)?;
    let (Some(first), Some(last)) = (
        args.values.iter().map(|v| v.date).min(),
        args.values.iter().map(|v| v.date).max(),
    ) else {
        return Err(ToolError::InvalidArguments(
            "values: give at least one".into(),
        ));
    };
    let wants = |ext: bool| args.values.iter().any(|v| v.ext_room_id.is_some() == ext);
    // Beyond this the current values are not read: too slow upstream.
    let readable = (last - first).num_days() < MAX_RANGE_DAYS;
    let read = |sysres: Sysres, wanted: bool| {
        let context = &context;
        async move {
            if !(wanted && readable) {
                return Ok(HashMap::new());
            }
            let data = context
                .client()
                .get_availability(context.credential(), first, last, sysres)
                .await?;
            Ok::<_, ToolError>(
                flatten_availability(&data, |_| None)?
                    .into_iter()
                    .map(|night| ((night.room_id, night.date), night.qty))
                    .collect(),
            )
        }
    };
    let (own, channels, names, by_ext) = tokio::try_join!(
        read(Sysres::Qdo, wants(false)),
        read(Sysres::Ext, wants(true)),
        context.room_names(),
        async {
            if wants(true) {
                context.rooms_by_ext_id().await
            } else {
                Ok(HashMap::new())
            }
        },
    )?;
    let mut changes: Vec<Change> = args
        .values
        .iter()
        .map(|value| {
            let room_id = value
                .room_id
                .or_else(|| by_ext.get(value.ext_room_id.as_deref()?).copied());
            let free = if value.ext_room_id.is_some() {
                &channels
            } else {
                &own
            };
            Change {
                room_id,
                ext_room_id: value.ext_room_id.clone(),
                room_name: room_id.and_then(|id| names.get(&id).cloned()),
                from: value.date,
                to: value.date,
                free_now: room_id.and_then(|id| free.get(&(id, value.date)).copied()),
                avail: value.avail,
                qty: value.qty,
                is_opened: value.is_opened,
            }
        })
        .collect();
    changes.sort_by(|a, b| {
        (&a.ext_room_id, a.room_id, a.from).cmp(&(&b.ext_room_id, b.room_id, b.from))
    });
    let changes = merge_consecutive(changes);
    let summary = changes
        .iter()
        .map(Change::line)
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Preview {
        summary,
        changes: json!(changes),
    })
}

/// One change to one room type over consecutive nights.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Change {
    #[serde(skip_serializing_if = "Option::is_none")]
    room_id: Option<i64>,
    /// Set when the change is to the channels' allotment.
    #[serde(skip_serializing_if = "Option::is_none")]
    ext_room_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    room_name: Option<String>,
    from: NaiveDate,
    to: NaiveDate,
    /// Rooms free each night now, as Quendoo says (absent when not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    free_now: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avail: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    qty: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_opened: Option<u8>,
}

impl Change {
    /// Whether `next` continues this change on the following night.
    fn continued_by(&self, next: &Change) -> bool {
        next.from.pred_opt() == Some(self.to)
            && Change {
                from: self.from,
                to: self.to,
                ..next.clone()
            } == *self
    }

    fn line(&self) -> String {
        let room = match (&self.room_name, self.room_id, &self.ext_room_id) {
            (Some(name), _, None) => name.clone(),
            (Some(name), _, Some(_)) => format!("{name} (channels)"),
            (None, Some(id), None) => format!("room type {id}"),
            (None, _, Some(ext)) => format!("channel room type {ext}"),
            (None, None, None) => "unknown room type".into(),
        };
        let now = match self.free_now {
            Some(free) => format!("{free} free"),
            None => "current value not read".into(),
        };
        let mut after = Vec::new();
        if let Some(avail) = self.avail {
            after.push(format!("{avail} free"));
        }
        if let Some(qty) = self.qty {
            after.push(format!("{qty} in total"));
        }
        match self.is_opened {
            Some(0) => after.push("closed".into()),
            Some(_) => after.push("open".into()),
            None => {}
        }
        let unknown = if self.room_name.is_none() {
            " (Quendoo does not list this room type: it will most likely refuse the change)"
        } else {
            ""
        };
        format!(
            "{room}, {}: {now} -> {}{unknown}",
            nights(self.from, self.to),
            after.join(", ")
        )
    }
}

fn merge_consecutive(changes: Vec<Change>) -> Vec<Change> {
    let mut merged: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        match merged.last_mut() {
            Some(last) if last.continued_by(&change) => last.to = change.to,
            _ => merged.push(change),
        }
    }
    merged
}

/// "20 Dec 2026", "20-22 Dec 2026", "30 Nov-2 Dec 2026", "30 Dec 2026-2 Jan 2027".
fn nights(from: NaiveDate, to: NaiveDate) -> String {
    let full = |day: NaiveDate| day.format("%-d %b %Y").to_string();
    if from == to {
        full(from)
    } else if (from.year(), from.month()) == (to.year(), to.month()) {
        format!("{}-{}", from.day(), full(to))
    } else if from.year() == to.year() {
        format!("{}-{}", from.format("%-d %b"), full(to))
    } else {
        format!("{}-{}", full(from), full(to))
    }
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
    fn consecutive_nights_with_the_same_change_read_as_one_line() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let change = |d: u32, free: i64| Change {
            room_id: Some(7),
            ext_room_id: None,
            room_name: Some("Garden Suite".into()),
            from: day(d),
            to: day(d),
            free_now: Some(free),
            avail: Some(0),
            qty: None,
            is_opened: None,
        };
        let merged = merge_consecutive(vec![
            change(20, 3),
            change(21, 3),
            change(22, 3),
            change(23, 2),
            change(26, 2),
        ]);
        let lines: Vec<String> = merged.iter().map(Change::line).collect();
        assert_eq!(
            lines,
            [
                "Garden Suite, 20-22 Dec 2026: 3 free -> 0 free",
                "Garden Suite, 23 Dec 2026: 2 free -> 0 free",
                "Garden Suite, 26 Dec 2026: 2 free -> 0 free",
            ]
        );
        let closing = Change {
            avail: None,
            is_opened: Some(0),
            free_now: None,
            ..change(30, 0)
        };
        assert_eq!(
            closing.line(),
            "Garden Suite, 30 Dec 2026: current value not read -> closed"
        );
        let unknown = Change {
            room_id: Some(0),
            room_name: None,
            ..change(31, 0)
        };
        assert!(
            unknown
                .line()
                .starts_with("room type 0, 31 Dec 2026: 0 free -> 0 free (Quendoo does not list"),
            "{}",
            unknown.line()
        );
        assert_eq!(
            nights(day(30), NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()),
            "30 Dec 2026-2 Jan 2027"
        );
        assert_eq!(
            nights(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), day(2)),
            "30 Nov-2 Dec 2026"
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
