//! The typed client: one method per upstream endpoint.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use url::Url;

use crate::config::ClientConfig;
use crate::encoding::{Query, availability_body, endpoint};
use crate::error::{Error, Result, Service};
use crate::transport::{Auth, Call, Transport};
use crate::types::{
    AckBooking, AvailabilityValue, Email, OffersQuery, RoomAssignment, Sysres, VoiceCall,
};

/// Client of the Quendoo PMS and its communication services. Cheap to clone;
/// every clone shares one connection pool. Credentials are per call. The
/// reads whose answer a tool passes on whole give its `data` as the
/// caller's `T`: a `Value`, or a `Box<RawValue>` to pass it on unbuilt.
#[derive(Clone, Debug)]
pub struct QuendooClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    pms: Url,
    email: Option<Url>,
    automation: Option<Url>,
}

impl QuendooClient {
    /// Builds the client and its connection pool.
    pub fn new(config: ClientConfig) -> Result<Self> {
        check_base(&config.pms_base_url, Service::Pms)?;
        for (url, service) in [
            (&config.email_base_url, Service::Email),
            (&config.automation_base_url, Service::VoiceCall),
        ] {
            if let Some(url) = url {
                check_base(url, service)?;
            }
        }
        let transport = Transport::new(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                pms: config.pms_base_url,
                email: config.email_base_url,
                automation: config.automation_base_url,
            }),
        })
    }

    /// `GET /Property/getPropertySettings`: the property's configuration,
    /// only the sections in `names` (comma-separated) when given.
    pub async fn get_property_settings<T: DeserializeOwned>(
        &self,
        key: &SecretString,
        lang: Option<&str>,
        names: Option<&str>,
    ) -> Result<T> {
        let mut query = Query::with_key(key);
        query.lang(lang).push_opt("names", names);
        self.pms_read(key, "Property/getPropertySettings", &query)
            .await
    }

    /// `GET /Property/getRoomsDetails`: static data of every room type, or of one.
    pub async fn get_rooms_details<T: DeserializeOwned>(
        &self,
        key: &SecretString,
        lang: Option<&str>,
        room_id: Option<i64>,
    ) -> Result<T> {
        let mut query = Query::with_key(key);
        query.lang(lang).push_opt("room_id", room_id);
        self.pms_read(key, "Property/getRoomsDetails", &query).await
    }

    /// `GET /Availability/getAvailability`: rooms left per room type per night.
    pub async fn get_availability(
        &self,
        key: &SecretString,
        date_from: NaiveDate,
        date_to: NaiveDate,
        sysres: Sysres,
    ) -> Result<Value> {
        let mut query = Query::with_key(key);
        query
            .push("date_from", date_from)
            .push("date_to", date_to)
            .push("sysres", sysres.as_str());
        self.pms_read(key, "Availability/getAvailability", &query)
            .await
    }

    /// `GET /Booking/getBookings`: every booking of the property.
    pub async fn get_bookings(&self, key: &SecretString) -> Result<Value> {
        let query = Query::with_key(key);
        self.pms_read(key, "Booking/getBookings", &query).await
    }

    /// `GET /Property/getBookingOffers`: priced offers for a guest enquiry.
    pub async fn get_booking_offers<T: DeserializeOwned>(
        &self,
        key: &SecretString,
        offers: &OffersQuery,
    ) -> Result<T> {
        let mut query = Query::with_key(key);
        query
            .push("bm_code", &offers.bm_code)
            .push("date_from", offers.date_from)
            .push("nights", offers.nights)
            .guests(&offers.guests)
            .push_opt("currency", offers.currency.as_deref())
            .lang(offers.lang.as_deref());
        self.pms_read(key, "Property/getBookingOffers", &query)
            .await
    }

    /// Code of the first booking module with `is_active == 1`.
    pub async fn active_booking_module(&self, key: &SecretString) -> Result<String> {
        let settings: Value = self
            .get_property_settings(key, None, Some("booking_modules"))
            .await?;
        settings
            .get("booking_modules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|module| is_active(module.get("is_active")))
            .and_then(|module| module.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(Error::NoActiveBookingModule)
    }

    /// `POST /Availability/updateAvailability`: changes inventory.
    pub async fn update_availability(
        &self,
        key: &SecretString,
        values: &[AvailabilityValue],
    ) -> Result<Value> {
        let body = availability_body(values);
        self.pms_write(key, "Availability/updateAvailability", body)
            .await
    }

    /// `POST /Booking/ackBooking`: acknowledges a booking revision.
    pub async fn ack_booking(&self, key: &SecretString, body: &AckBooking) -> Result<Value> {
        self.pms_write(key, "Booking/ackBooking", to_json(body))
            .await
    }

    /// `POST /Booking/postRoomAssignment`: assigns physical rooms.
    pub async fn post_room_assignment(
        &self,
        key: &SecretString,
        body: &RoomAssignment,
    ) -> Result<Value> {
        self.pms_write(key, "Booking/postRoomAssignment", to_json(body))
            .await
    }

    /// `POST /Property/postExternalPropertyData`: `data` passed through as given.
    pub async fn post_external_property_data(
        &self,
        key: &SecretString,
        data: &Map<String, Value>,
    ) -> Result<Value> {
        let body = Value::Object(data.clone());
        self.pms_write(key, "Property/postExternalPropertyData", body)
            .await
    }

    /// `POST {email}/send_quendoo_email`: sends an e-mail to a real person.
    pub async fn send_email(&self, bearer: &SecretString, email: &Email) -> Result<Value> {
        let service = Service::Email;
        let base = self
            .inner
            .email
            .as_ref()
            .ok_or(Error::NotConfigured { service })?;
        self.comms_write(service, base, "send_quendoo_email", bearer, to_json(email))
            .await
    }

    /// `POST {automation}/make_call`: places a voice call to a real person.
    pub async fn make_call(&self, bearer: &SecretString, call: &VoiceCall) -> Result<Value> {
        let service = Service::VoiceCall;
        let base = self
            .inner
            .automation
            .as_ref()
            .ok_or(Error::NotConfigured { service })?;
        self.comms_write(service, base, "make_call", bearer, to_json(call))
            .await
    }

    async fn pms_read<T: DeserializeOwned>(
        &self,
        key: &SecretString,
        name: &'static str,
        query: &Query,
    ) -> Result<T> {
        let url = query.apply(endpoint(&self.inner.pms, name));
        self.inner
            .transport
            .read(Call {
                service: Service::Pms,
                endpoint: name,
                method: Method::GET,
                url,
                secret: key,
                auth: Auth::InQuery,
                body: None,
            })
            .await
    }

    async fn pms_write(
        &self,
        key: &SecretString,
        name: &'static str,
        body: Value,
    ) -> Result<Value> {
        let url = Query::with_key(key).apply(endpoint(&self.inner.pms, name));
        self.inner
            .transport
            .write(Call {
                service: Service::Pms,
                endpoint: name,
                method: Method::POST,
                url,
                secret: key,
                auth: Auth::InQuery,
                body: Some(body),
            })
            .await
    }

    async fn comms_write(
        &self,
        service: Service,
        base: &Url,
        name: &'static str,
        bearer: &SecretString,
        body: Value,
    ) -> Result<Value> {
        self.inner
            .transport
            .write(Call {
                service,
                endpoint: name,
                method: Method::POST,
                url: endpoint(base, name),
                secret: bearer,
                auth: Auth::Bearer,
                body: Some(body),
            })
            .await
    }
}

fn check_base(url: &Url, service: Service) -> Result<()> {
    if matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base() {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            service,
            reason: "the base URL must be an http or https URL".to_owned(),
        })
    }
}

/// Upstream writes `is_active` as 1; tolerate `true` and `"1"` too.
fn is_active(flag: Option<&Value>) -> bool {
    match flag {
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "1",
        _ => false,
    }
}

/// Our argument types always serialize; `Null` is unreachable in practice.
fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
