//! Priced offers for a guest's enquiry.

use chrono::NaiveDate;
use quendoo_api::{GuestRoom, OffersQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Hints, Spec, ToolDef, define, property::Language, schema};
use crate::{domain::KeyName, policy::Toolset};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct OffersArgs {
    /// Arrival date, `YYYY-MM-DD`.
    date_from: NaiveDate,
    /// Number of nights, 1 to 60.
    #[schemars(range(min = 1, max = 60))]
    nights: u32,
    /// One entry per room wanted (1 to 10): the adults and the children's ages in it.
    #[schemars(length(min = 1, max = 10))]
    guests: Vec<GuestRoom>,
    /// Currency of the prices, a 3-letter code such as `EUR`, `BGN`, `USD`.
    /// Default: the hotel's currency.
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    currency: Option<String>,
    /// Language of names and policies: a two-letter code such as `en`, `bg`.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// Booking-module code (from get_property_settings). Leave it out: the
    /// hotel's first active booking module is used.
    #[schemars(length(min = 1, max = 64))]
    bm_code: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Offers {
    /// The booking module the offers were priced for.
    bm_code: String,
    date_from: NaiveDate,
    nights: u32,
    /// The offers as Quendoo priced them: room, rate, meals, total and
    /// per-night price, currency, rooms left, cancellation policy.
    #[schemars(schema_with = "schema::object_or_array")]
    data: Value,
}

pub fn get_booking_offers() -> ToolDef {
    define(
        Spec {
            name: "get_booking_offers",
            title: "Priced offers for a stay",
            description: "What the hotel can sell for a stay and at what price: for an arrival \
                date, a number of nights and the guests per room, each bookable room type and \
                rate with meals, total price, price per night, rooms left and cancellation \
                policy. Use it to answer a guest's \"how much for ...\" enquiry. Only rooms \
                free on every night are offered. For bare room counts without prices use \
                get_availability.",
            hints: Hints::READ,
            toolset: Toolset::Offers,
            credential: KeyName::QuendooApiKey,
        },
        |context, args: OffersArgs| async move {
            let bm_code = match args.bm_code {
                Some(code) => code,
                None => context.booking_module().await?,
            };
            let query = OffersQuery {
                bm_code: bm_code.clone(),
                date_from: args.date_from,
                nights: args.nights,
                guests: args.guests,
                currency: args.currency,
                lang: args.api_lng,
            };
            let data = context
                .client()
                .get_booking_offers(context.credential(), &query)
                .await?;
            Ok(Offers {
                bm_code,
                date_from: args.date_from,
                nights: args.nights,
                data: schema::checked_object_or_array(data)?,
            })
        },
    )
}
