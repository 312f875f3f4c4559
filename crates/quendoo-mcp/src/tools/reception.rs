//! The reception's questions about bookings: who arrives and leaves on a
//! day, which bookings a guest has, which revisions still await an
//! acknowledgement. All read the hotel's cached booking list.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Hints, Spec, ToolDef,
    booking_view::{BookingView, name_rooms, sort_by_arrival},
    define,
    paging::{PageInfo, page},
};
use crate::{domain::KeyName, policy::Toolset};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DayArgs {
    /// The day, `YYYY-MM-DD`.
    date: NaiveDate,
    /// Bookings per page, 1 to 200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[schemars(length(min = 1, max = 100))]
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct DayMovements {
    date: NaiveDate,
    /// Bookings arriving that day (check-in date).
    arrivals: usize,
    /// Bookings leaving that day (check-out date).
    departures: usize,
    #[serde(flatten)]
    page: PageInfo,
    /// Arrivals first, then departures, each by booking id.
    data: Vec<Movement>,
}

#[derive(Clone, Serialize, JsonSchema)]
struct Movement {
    movement: Direction,
    #[serde(flatten)]
    booking: BookingView,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Arrival,
    Departure,
}

pub fn get_arrivals_departures() -> ToolDef {
    define(
        Spec {
            name: "get_arrivals_departures",
            title: "Arrivals and departures of a day",
            description: "Bookings checking in and checking out on one date, cancelled ones \
                left out, with guest contact, rooms (booking_item_id, room number once \
                assigned) and counts. Use it instead of get_bookings for \"who arrives/leaves \
                today\".",
            hints: Hints::READ,
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: DayArgs| async move {
            let bookings = BookingView::read_all(&context.bookings().await?)?;
            let mut moving: Vec<Movement> = bookings
                .into_iter()
                .filter(|b| !b.is_cancelled())
                .filter_map(|booking| {
                    let movement = if booking.checkin_date == args.date {
                        Direction::Arrival
                    } else if booking.checkout_date == args.date {
                        Direction::Departure
                    } else {
                        return None;
                    };
                    Some(Movement { movement, booking })
                })
                .collect();
            moving.sort_by_key(|m| (m.movement, m.booking.booking_id));
            let arrivals = moving
                .iter()
                .filter(|m| m.movement == Direction::Arrival)
                .count();
            let departures = moving.len() - arrivals;
            name_rooms(&context, moving.iter_mut().map(|m| &mut m.booking)).await?;
            page(
                moving,
                args.cursor.as_deref(),
                args.limit,
                context.budget(),
                |page, data| DayMovements {
                    date: args.date,
                    arrivals,
                    departures,
                    page,
                    data: data.to_vec(),
                },
            )
        },
    )
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GuestArgs {
    /// A guest's name or part of it ("Ms Petrova"), an e-mail address, a phone
    /// number in any format, or a booking id.
    #[schemars(length(min = 2, max = 100))]
    query: String,
    /// Bookings per page, 1 to 200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[schemars(length(min = 1, max = 100))]
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct GuestBookings {
    #[serde(flatten)]
    page: PageInfo,
    /// By arrival date, then booking id; cancelled ones included.
    data: Vec<GuestMatch>,
}

#[derive(Clone, Serialize, JsonSchema)]
struct GuestMatch {
    /// Which fields the query matched.
    matched: Vec<Field>,
    #[serde(flatten)]
    booking: BookingView,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Field {
    Name,
    Email,
    Phone,
    BookingId,
}

pub fn find_guest() -> ToolDef {
    define(
        Spec {
            name: "find_guest",
            title: "Find a guest's bookings",
            description: "Finds bookings by the guest's name, e-mail, phone (digits compared, \
                any format) or booking id, from one query, and says which field matched. Use \
                it instead of get_bookings to find a guest or a booking someone mentions.",
            hints: Hints::READ,
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: GuestArgs| async move {
            let query = GuestQuery::parse(&args.query);
            let mut bookings = BookingView::read_all(&context.bookings().await?)?;
            sort_by_arrival(&mut bookings);
            let mut found: Vec<GuestMatch> = bookings
                .into_iter()
                .filter_map(|booking| {
                    let matched = query.matches(&booking);
                    (!matched.is_empty()).then_some(GuestMatch { matched, booking })
                })
                .collect();
            name_rooms(&context, found.iter_mut().map(|m| &mut m.booking)).await?;
            page(
                found,
                args.cursor.as_deref(),
                args.limit,
                context.budget(),
                |page, data| GuestBookings {
                    page,
                    data: data.to_vec(),
                },
            )
        },
    )
}

/// Phone digits shorter than this would match too many numbers by chance.
const MIN_PHONE_DIGITS: usize = 6;
const HONORIFICS: [&str; 8] = ["mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam"];

/// One query read every way a receptionist might have meant it.
struct GuestQuery {
    /// Lower-case words of a name, titles such as "Ms" left out.
    words: Vec<String>,
    /// The whole query in lower case, for e-mail addresses.
    text: String,
    /// Its digits without leading zeros ("+359 88", "00359 88" and "088"
    /// differ only in prefix), when the query looks like a phone number.
    digits: Option<String>,
    booking_id: Option<i64>,
}

impl GuestQuery {
    fn parse(query: &str) -> Self {
        let text = query.trim().to_lowercase();
        let words = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|word| word.trim_end_matches('.'))
            .filter(|word| !word.is_empty() && !HONORIFICS.contains(word))
            .map(str::to_owned)
            .collect();
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
        let digits = phone_like
            .then(|| phone_digits(&text))
            .filter(|d| d.len() >= MIN_PHONE_DIGITS);
        let booking_id = text.trim_start_matches('#').parse().ok();
        Self {
            words,
            text,
            digits,
            booking_id,
        }
    }

    fn matches(&self, booking: &BookingView) -> Vec<Field> {
        let guest = &booking.guest;
        let name = guest.name.as_deref().map(str::to_lowercase);
        let name_hit = name.is_some_and(|name| {
            !self.words.is_empty() && self.words.iter().all(|w| name.contains(w.as_str()))
        });
        let email_hit = !self.text.contains(char::is_whitespace)
            && guest
                .email
                .as_deref()
                .is_some_and(|email| email.to_lowercase().contains(&self.text));
        let phone_hit = self.digits.as_ref().is_some_and(|digits| {
            guest
                .phone
                .as_deref()
                .is_some_and(|phone| phone_digits(phone).contains(digits.as_str()))
        });
        let id_hit = self.booking_id == Some(booking.booking_id);
        [
            (name_hit, Field::Name),
            (email_hit, Field::Email),
            (phone_hit, Field::Phone),
            (id_hit, Field::BookingId),
        ]
        .into_iter()
        .filter_map(|(hit, field)| hit.then_some(field))
        .collect()
    }
}

fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').to_owned()
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UnacknowledgedArgs {
    /// Bookings per page, 1 to 200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[schemars(length(min = 1, max = 100))]
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Unacknowledged {
    #[serde(flatten)]
    page: PageInfo,
    /// By arrival date (soonest first), then booking id; cancellations
    /// included, as they need acknowledging too.
    data: Vec<BookingView>,
}

pub fn get_unacknowledged_bookings() -> ToolDef {
    define(
        Spec {
            name: "get_unacknowledged_bookings",
            title: "Bookings awaiting acknowledgement",
            description: "Bookings whose current revision (new, modified or cancelled) the \
                hotel has not acknowledged yet, soonest arrival first, with the revision_id and \
                booking_item_ids that ack_booking takes. Use it instead of get_bookings to see \
                what is new.",
            hints: Hints::READ,
            toolset: Toolset::Bookings,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: UnacknowledgedArgs| async move {
            let mut bookings = BookingView::read_all(&context.bookings().await?)?;
            if bookings.iter().any(|b| b.acknowledged.is_none()) {
                return Err(super::ToolError::UnexpectedResponse(
                    "bookings that say whether they were acknowledged",
                ));
            }
            bookings.retain(|b| b.acknowledged == Some(false));
            sort_by_arrival(&mut bookings);
            name_rooms(&context, bookings.iter_mut()).await?;
            page(
                bookings,
                args.cursor.as_deref(),
                args.limit,
                context.budget(),
                |page, data| Unacknowledged {
                    page,
                    data: data.to_vec(),
                },
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn booking(id: i64, name: &str, email: &str, phone: &str) -> BookingView {
        BookingView::read(&json!({
            "booking_id": id, "checkin_date": "2026-03-15", "checkout_date": "2026-03-16",
            "client": {"name": name, "email": email, "phone": phone}
        }))
        .unwrap()
    }

    fn matched(query: &str, booking: &BookingView) -> Vec<Field> {
        GuestQuery::parse(query).matches(booking)
    }

    #[test]
    fn a_guest_is_found_by_each_field() {
        let maria = booking(
            431250,
            "Maria Petrova",
            "Maria.P@Example.com",
            "+359 88 123 4567",
        );
        assert_eq!(matched("Ms Petrova", &maria), [Field::Name]);
        assert_eq!(matched("petrova, maria", &maria), [Field::Name]);
        assert_eq!(matched("maria.p@example.com", &maria), [Field::Email]);
        assert_eq!(matched("maria", &maria), [Field::Name, Field::Email]);
        for phone in ["+359881234567", "00359 88 123 4567", "088 123 4567"] {
            assert_eq!(matched(phone, &maria), [Field::Phone], "{phone}");
        }
        assert_eq!(matched("431250", &maria), [Field::BookingId]);
        assert_eq!(matched("#431250", &maria), [Field::BookingId]);
    }

    #[test]
    fn near_misses_do_not_match() {
        let maria = booking(
            431250,
            "Maria Petrova",
            "maria@example.com",
            "+359 88 123 4567",
        );
        assert!(matched("Ivanova", &maria).is_empty());
        assert!(matched("Ms", &maria).is_empty(), "a title alone is no name");
        assert!(matched("12345", &maria).is_empty(), "too few digits");
        assert!(matched("431251", &maria).is_empty());
        assert!(matched("petrova maria x", &maria).is_empty());
    }
}
