//! `getBookingOffers`: prices from rates, nights and guests, only for room
//! types with a room free every night for every requested room.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::generate::round2;
use crate::params::{Guests, Invalid};
use crate::property::{Property, Sysres};

/// Fixed conversion rates: units of each currency per euro.
const CURRENCIES: [(&str, f64); 6] = [
    ("EUR", 1.0),
    ("BGN", 1.95583),
    ("USD", 1.08),
    ("GBP", 0.85),
    ("RON", 4.97),
    ("CHF", 0.94),
];

/// Longest stay priced.
const MAX_NIGHTS: u32 = 30;

pub(crate) struct Enquiry<'a> {
    pub bm_code: &'a str,
    pub date_from: NaiveDate,
    pub nights: u32,
    pub guests: Vec<Guests>,
    pub currency: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct Offer {
    pub room_id: i64,
    pub room_name: &'static str,
    pub rate_id: i64,
    pub rate_name: &'static str,
    pub meals_included: &'static str,
    pub total_price: f64,
    pub price_per_night: f64,
    pub currency: String,
    pub available_rooms: u32,
    pub cancellation_policy: &'static str,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub nights: u32,
}

pub(crate) fn offers(property: &Property, enquiry: &Enquiry<'_>) -> Result<Vec<Offer>, Invalid> {
    let module = property
        .booking_modules
        .iter()
        .find(|m| m.code == enquiry.bm_code)
        .ok_or_else(|| format!("unknown booking module '{}'", enquiry.bm_code))?;
    if module.is_active != 1 {
        return Err(format!("booking module '{}' is not active", module.code));
    }
    if !(1..=MAX_NIGHTS).contains(&enquiry.nights) {
        return Err(format!("nights must be between 1 and {MAX_NIGHTS}"));
    }
    if enquiry.date_from < property.inventory.start {
        return Err("date_from is in the past".to_owned());
    }
    let currency = enquiry.currency.unwrap_or(property.info.currency);
    let conversion = per_euro(currency)
        .ok_or_else(|| format!("unsupported currency '{currency}'"))?
        / per_euro(property.info.currency).unwrap_or(1.0);
    let date_to = enquiry
        .date_from
        .checked_add_days(Days::new(u64::from(enquiry.nights)))
        .ok_or("date_from is out of range")?;
    let wanted = u32::try_from(enquiry.guests.len()).unwrap_or(u32::MAX);

    let mut offers = Vec::new();
    for (index, room) in property.rooms.iter().enumerate() {
        let capacity = room.regular_beds + room.extra_beds;
        let fits = enquiry.guests.iter().all(|g| {
            g.adults <= capacity && g.adults + g.children_by_ages.len() as u32 <= capacity
        });
        let available_rooms = enquiry
            .date_from
            .iter_days()
            .take(enquiry.nights as usize)
            .map(|night| property.inventory.sellable(Sysres::Qdo, index, night))
            .min()
            .unwrap_or(0);
        if !fits || available_rooms < wanted {
            continue;
        }
        let occupancy: f64 = enquiry.guests.iter().map(occupancy).sum();
        for rate in &property.rates {
            let meal = property.meals.iter().find(|m| m.id == rate.meal_id);
            let price_per_night = round2(room.base_price * rate.factor * occupancy * conversion);
            offers.push(Offer {
                room_id: room.id,
                room_name: room.name,
                rate_id: rate.id,
                rate_name: rate.name,
                meals_included: meal.map_or("Room only", |m| m.name),
                total_price: round2(price_per_night * f64::from(enquiry.nights)),
                price_per_night,
                currency: currency.to_owned(),
                available_rooms,
                cancellation_policy: rate.cancellation_policy,
                date_from: enquiry.date_from,
                date_to,
                nights: enquiry.nights,
            });
        }
    }
    Ok(offers)
}

/// Adult-equivalents of one room's guests: the first adult pays the base
/// price, others 70 %, children 2 to 11 years 40 %, 12 and older 60 %,
/// infants nothing.
fn occupancy(guests: &Guests) -> f64 {
    let adults = 1.0 + 0.7 * f64::from(guests.adults.saturating_sub(1));
    let children: f64 = guests
        .children_by_ages
        .iter()
        .map(|age| match age {
            0..=1 => 0.0,
            2..=11 => 0.4,
            _ => 0.6,
        })
        .sum();
    adults + children
}

fn per_euro(currency: &str) -> Option<f64> {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, rate)| *rate)
}
