//! Prompts for the work a reception does every day. Each fills in dates and
//! names and says which tools answer it, so the assistant starts from the
//! right calls; the data then comes from the caller's own hotel. Dates are
//! the server's calendar day (UTC).

use chrono::{Days, NaiveDate, Utc};
use rmcp::model::{
    CacheScope, ErrorData, GetPromptResult, JsonObject, ListPromptsResult, Prompt, PromptArgument,
    PromptMessage, Role,
};

use super::{LIST_TTL, Protocol, millis};

pub(super) const ARRIVALS: &str = "arrivals_and_departures";
pub(super) const OUTLOOK: &str = "availability_outlook";
pub(super) const UNACKNOWLEDGED: &str = "unacknowledged_bookings";
pub(super) const FIND_GUEST: &str = "find_guest";

/// The longest outlook, as `get_availability` allows a year.
const MAX_OUTLOOK_DAYS: u64 = 90;

fn argument(name: &str, description: &str, required: bool) -> PromptArgument {
    PromptArgument::new(name)
        .with_description(description)
        .with_required(required)
}

pub(super) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

impl Protocol {
    pub fn list_prompts(&self) -> ListPromptsResult {
        let prompts = vec![
            Prompt::new(
                ARRIVALS,
                Some("Who arrives and who leaves on a day (today by default), with rooms, nights and what is still unpaid."),
                Some(vec![argument("date", "The day, YYYY-MM-DD (default: today).", false)]),
            )
            .with_title("Arrivals and departures"),
            Prompt::new(
                OUTLOOK,
                Some("How full the hotel is over the next days: rooms free per night and room type, and the nights that are sold out."),
                Some(vec![
                    argument("days", "How many days ahead, 1 to 90 (default 7).", false),
                    argument("room_type", "Only this room type (its name, as the hotel calls it).", false),
                ]),
            )
            .with_title("Availability outlook"),
            Prompt::new(
                UNACKNOWLEDGED,
                Some("Bookings Quendoo has delivered that the hotel has not acknowledged yet."),
                None,
            )
            .with_title("Unacknowledged bookings"),
            Prompt::new(
                FIND_GUEST,
                Some("Find a guest's bookings by name."),
                Some(vec![argument("name", "The guest's name, or part of it.", true)]),
            )
            .with_title("Find a guest"),
        ];
        ListPromptsResult::with_all_items(prompts)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(CacheScope::Public)
    }

    pub fn get_prompt(
        &self,
        name: &str,
        arguments: Option<&JsonObject>,
    ) -> Result<GetPromptResult, ErrorData> {
        let text = |key: &str| {
            arguments
                .and_then(|arguments| arguments.get(key))
                .and_then(|value| value.as_str())
                .map(str::trim)
                .filter(|value| !value.is_empty())
        };
        let (description, message) = match name {
            ARRIVALS => {
                let day = match text("date") {
                    None => today(),
                    Some(date) => NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                        ErrorData::invalid_params("date: give the day as YYYY-MM-DD", None)
                    })?,
                };
                let month_before = day - Days::new(31);
                (
                    format!("Arrivals and departures on {day}"),
                    format!(
                        "Who arrives and who leaves on {day}? For arrivals, call get_bookings with \
                         arrival_from={day} and arrival_to={day}. For departures, call \
                         get_bookings with arrival_from={month_before} and arrival_to={day} and \
                         keep the bookings whose checkout_date is {day}. Leave out cancelled \
                         bookings. For each guest give the name, the room type, the number of \
                         nights, the booking status and whether it is paid; end with the counts."
                    ),
                )
            }
            OUTLOOK => {
                let days = match text("days") {
                    None => 7,
                    Some(days) => days
                        .parse::<u64>()
                        .ok()
                        .filter(|days| (1..=MAX_OUTLOOK_DAYS).contains(days))
                        .ok_or_else(|| {
                            ErrorData::invalid_params("days: give a number from 1 to 90", None)
                        })?,
                };
                let from = today();
                let to = from + Days::new(days - 1);
                let room = text("room_type")
                    .map(|room| format!(" Only look at the room type \"{room}\"."))
                    .unwrap_or_default();
                (
                    format!("Availability from {from} to {to}"),
                    format!(
                        "How full are we from {from} to {to}? Call get_availability with \
                         date_from={from}, date_to={to} and sysres=qdo.{room} Summarise per night: \
                         rooms free per room type and in all; then list the nights and room types \
                         that are sold out (0 free) or closed, and the quietest nights."
                    ),
                )
            }
            UNACKNOWLEDGED => (
                "Unacknowledged bookings".to_owned(),
                "Which bookings has Quendoo delivered that we have not acknowledged yet? Call \
                 get_bookings (page through next_cursor) and keep the bookings whose \
                 acknowledged is false. List each with booking id, revision id, guest, dates and \
                 status, newest first. Do not acknowledge any: ack_booking is for when the hotel \
                 says so."
                    .to_owned(),
            ),
            FIND_GUEST => {
                let guest = text("name").ok_or_else(|| {
                    ErrorData::invalid_params("name: give the guest's name, or part of it", None)
                })?;
                let guest: String = guest.chars().take(100).collect();
                (
                    format!("Bookings of {guest}"),
                    format!(
                        "Find the bookings of the guest \"{guest}\": call get_bookings with \
                         query set to that name (try the surname alone if nothing matches). For \
                         each booking give the booking id, dates, room types, status, payment \
                         status and the guest's contact details."
                    ),
                )
            }
            _ => {
                return Err(ErrorData::invalid_params(
                    "unknown prompt: prompts/list names the ones this server has",
                    None,
                ));
            }
        };
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, message)])
                .with_description(description),
        )
    }
}
