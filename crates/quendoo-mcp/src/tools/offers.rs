//! Priced offers for a guest's enquiry.

use chrono::NaiveDate;
use quendoo_api::{GuestRoom, OffersQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Hints, Spec, ToolDef,
    budget::{Cut, Payload},
    define_with, payload_json,
    property::Language,
    schema,
};
use crate::{domain::KeyName, policy::Toolset};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct OffersArgs {
    /// Arrival date, `YYYY-MM-DD`.
    date_from: NaiveDate,
    #[schemars(range(min = 1, max = 60))]
    nights: u32,
    /// One entry per room wanted: its adults and children's ages.
    #[schemars(length(min = 1, max = 10))]
    guests: Vec<GuestRoom>,
    /// E.g. `EUR`; default: the hotel's.
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    currency: Option<String>,
    /// Language code, e.g. `en`, `bg`.
    #[schemars(regex(pattern = r"^[a-z]{2}$"))]
    api_lng: Option<Language>,
    /// Leave out: the first active booking module is used.
    #[schemars(length(min = 1, max = 64))]
    bm_code: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Offers {
    /// The booking module priced for.
    bm_code: String,
    date_from: NaiveDate,
    nights: u32,
    /// The offers as Quendoo priced them.
    #[schemars(schema_with = "schema::object_or_array")]
    data: Payload,
    /// Set when the result budget cut `data`: `omitted` offers, `ask_next` says what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
}

pub fn get_booking_offers() -> ToolDef {
    define_with(
        Spec {
            name: "get_booking_offers",
            title: "Priced offers for a stay",
            description: "Priced offers for a stay (arrival, nights, guests per room): each \
                bookable room type and rate with meals, total and nightly price, rooms left, \
                cancellation policy. For a guest's \"how much for ...\"; only rooms free \
                every night.",
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
            let data = schema::checked_object_or_array(data)?;
            context.budget().fit_payload(data, |data, left| Offers {
                bm_code: bm_code.clone(),
                date_from: args.date_from,
                nights: args.nights,
                data,
                cut: left.map(|left| Cut {
                    omitted: left.count(),
                    // Offers have no narrower request: say the list is partial.
                    ask_next: "These are the first offers in Quendoo's order; the rest did not \
                        fit the result budget, so say that the list is partial."
                        .into(),
                }),
            })
        },
        payload_json,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_payload_moved_in_makes_serdes_json() {
        super::super::assert_payload_json(
            json!([{"room_id": 1, "total": 240.5}]),
            |data, cut| Offers {
                bm_code: "bm-1".into(),
                date_from: NaiveDate::from_ymd_opt(2027, 1, 10).unwrap(),
                nights: 2,
                data,
                cut,
            },
            payload_json,
        );
    }
}
