//! The PMS endpoints: key check, parameter checks, then the property's
//! reads and writes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::reply::{bad_request, data, error, raw_json};
use super::{Incoming, PMS_PREFIX};
use crate::offers::{Enquiry, offers};
use crate::params::{Invalid, Params};
use crate::property::{Property, SETTINGS_SECTIONS};
use crate::state::SimState;
use crate::sync::{read, write};
use crate::writes;

/// Longest `getAvailability` range, in nights.
const MAX_RANGE_DAYS: i64 = 731;

#[derive(Clone, Copy)]
enum Endpoint {
    Settings,
    Rooms,
    Availability,
    UpdateAvailability,
    Bookings,
    Offers,
    Ack,
    RoomAssignment,
    ExternalData,
}

const ENDPOINTS: [(&str, Method, Endpoint); 9] = [
    (
        "/Property/getPropertySettings",
        Method::GET,
        Endpoint::Settings,
    ),
    ("/Property/getRoomsDetails", Method::GET, Endpoint::Rooms),
    (
        "/Availability/getAvailability",
        Method::GET,
        Endpoint::Availability,
    ),
    (
        "/Availability/updateAvailability",
        Method::POST,
        Endpoint::UpdateAvailability,
    ),
    ("/Booking/getBookings", Method::GET, Endpoint::Bookings),
    ("/Property/getBookingOffers", Method::GET, Endpoint::Offers),
    ("/Booking/ackBooking", Method::POST, Endpoint::Ack),
    (
        "/Booking/postRoomAssignment",
        Method::POST,
        Endpoint::RoomAssignment,
    ),
    (
        "/Property/postExternalPropertyData",
        Method::POST,
        Endpoint::ExternalData,
    ),
];

pub(super) async fn handle(
    State(sim): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let incoming = Incoming::new(method, &uri, body);
    if let Some(answer) = sim.intercept(&incoming).await {
        return answer;
    }
    let path = incoming.path.strip_prefix(PMS_PREFIX).unwrap_or_default();
    let Some((_, expected, endpoint)) = ENDPOINTS.iter().find(|(p, ..)| *p == path) else {
        return error(StatusCode::NOT_FOUND, "unknown endpoint");
    };
    if incoming.method != expected {
        return error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    let property = match incoming.api_key() {
        None | Some("") => return error(StatusCode::UNAUTHORIZED, "missing api_key"),
        Some(key) => match sim.property(key) {
            Some(property) => property,
            None => return error(StatusCode::UNAUTHORIZED, "invalid api_key"),
        },
    };
    let params = Params(&incoming.query);
    let answer = params.check_language().and_then(|()| match endpoint {
        Endpoint::Settings => settings(&read(&property), &params),
        Endpoint::Rooms => rooms(&read(&property), &params),
        Endpoint::Availability => availability(&read(&property), &params),
        Endpoint::Bookings => Ok(data(&read(&property).bookings)),
        Endpoint::Offers => booking_offers(&read(&property), &params),
        Endpoint::UpdateAvailability => {
            let update = json_body(&incoming)?;
            writes::update_availability(&mut write(&property), update).map(|v| written(&v))
        }
        Endpoint::Ack => {
            let ack = json_body(&incoming)?;
            writes::ack_booking(&mut write(&property), ack).map(|v| written(&v))
        }
        Endpoint::RoomAssignment => {
            let assignment = json_body(&incoming)?;
            writes::assign_rooms(&mut write(&property), assignment).map(|v| written(&v))
        }
        Endpoint::ExternalData => {
            let object: Map<String, Value> = json_body(&incoming)?;
            writes::external_property_data(&mut write(&property), object);
            Ok(raw_json(StatusCode::OK, Bytes::new()))
        }
    });
    answer.unwrap_or_else(|message| bad_request(&message))
}

fn settings(property: &Property, params: &Params<'_>) -> Result<Response, Invalid> {
    let names: Vec<&str> = params
        .get("names")
        .map(|names| {
            names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(unknown) = names.iter().find(|n| !SETTINGS_SECTIONS.contains(n)) {
        return Err(format!(
            "unknown settings section '{unknown}'; known: {}",
            SETTINGS_SECTIONS.join(", ")
        ));
    }
    Ok(data(&property.settings(&names)))
}

fn rooms(property: &Property, params: &Params<'_>) -> Result<Response, Invalid> {
    match params.integer::<i64>("room_id")? {
        None => Ok(data(&property.rooms)),
        Some(id) => {
            let room = property
                .rooms
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| format!("room_id {id} is not a room type of this property"))?;
            Ok(data(&[room]))
        }
    }
}

fn availability(property: &Property, params: &Params<'_>) -> Result<Response, Invalid> {
    let from = params.date("date_from")?;
    let to = params.date("date_to")?;
    let sysres = params.sysres()?;
    let days = (to - from).num_days();
    if days < 0 {
        return Err("date_to must not be before date_from".to_owned());
    }
    if days >= MAX_RANGE_DAYS {
        return Err(format!("the range may span at most {MAX_RANGE_DAYS} days"));
    }
    let mut out = String::with_capacity(property.rooms.len() * (days as usize + 1) * 18 + 64);
    property.write_availability(from, to, sysres, &mut out);
    Ok(raw_json(StatusCode::OK, out))
}

fn booking_offers(property: &Property, params: &Params<'_>) -> Result<Response, Invalid> {
    let enquiry = Enquiry {
        bm_code: params.required("bm_code")?,
        date_from: params.date("date_from")?,
        nights: params
            .integer("nights")?
            .ok_or("missing required parameter 'nights'")?,
        guests: params.guests()?,
        currency: params.get("currency"),
    };
    Ok(data(&offers(property, &enquiry)?))
}

/// A write's answer: the object itself, without the `data` envelope.
fn written(value: &Value) -> Response {
    super::reply::json(StatusCode::OK, value)
}

fn json_body<T: DeserializeOwned>(incoming: &Incoming) -> Result<T, Invalid> {
    if incoming.body.is_empty() {
        return Err("missing JSON body".to_owned());
    }
    serde_json::from_slice(&incoming.body).map_err(|err| format!("invalid JSON body: {err}"))
}
