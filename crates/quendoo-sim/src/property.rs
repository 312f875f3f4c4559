//! One property's state and how its reads are rendered.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::config::PropertySpec;
use crate::json::{push_date, push_i64, push_u32};

/// Sections of `getPropertySettings`, in the order they are rendered.
pub(crate) const SETTINGS_SECTIONS: [&str; 9] = [
    "property",
    "rooms",
    "rates",
    "meals",
    "services",
    "beds",
    "booking_modules",
    "payment_methods",
    "channels",
];

pub(crate) struct Property {
    pub spec: PropertySpec,
    pub info: PropertyInfo,
    pub rooms: Vec<Room>,
    pub rates: Vec<Rate>,
    pub meals: Vec<Named>,
    pub services: Vec<ExtraService>,
    pub beds: Vec<Named>,
    pub booking_modules: Vec<BookingModule>,
    pub payment_methods: Vec<Named>,
    pub channels: Vec<Channel>,
    pub inventory: Inventory,
    pub bookings: Vec<Booking>,
    /// Bodies of `postExternalPropertyData`, in arrival order.
    pub external_data: Vec<Value>,
}

#[derive(Serialize)]
pub(crate) struct PropertyInfo {
    pub id: i64,
    pub name: String,
    pub currency: &'static str,
    pub timezone: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Room {
    pub id: i64,
    pub name: &'static str,
    pub type_name: &'static str,
    pub sqm_area: u32,
    pub regular_beds: u32,
    pub extra_beds: u32,
    pub bed_id: i64,
    /// The room type's id on external channels (`ext_room_id` in updates).
    pub ext_room_id: String,
    pub description: String,
    pub images: Vec<String>,
    /// Price of one night for one adult, in the property's currency.
    #[serde(skip)]
    pub base_price: f64,
}

#[derive(Serialize)]
pub(crate) struct Rate {
    pub id: i64,
    pub name: &'static str,
    pub meal_id: i64,
    pub cancellation_policy: &'static str,
    /// Multiplier on the room's base price.
    #[serde(skip)]
    pub factor: f64,
}

#[derive(Serialize)]
pub(crate) struct Named {
    pub id: i64,
    pub name: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ExtraService {
    pub id: i64,
    pub name: &'static str,
    pub price: f64,
}

#[derive(Serialize)]
pub(crate) struct BookingModule {
    pub code: String,
    pub name: &'static str,
    pub is_active: u8,
}

#[derive(Serialize)]
pub(crate) struct Channel {
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Booking {
    pub booking_id: i64,
    pub revision_id: i64,
    pub revision_number: u32,
    pub booking_status: &'static str,
    pub payment_status: &'static str,
    pub checkin_date: NaiveDate,
    pub checkout_date: NaiveDate,
    pub created_datetime: String,
    pub total_amount: f64,
    pub currency: &'static str,
    pub channel: &'static str,
    pub client: Client,
    pub booking_items: Vec<BookingItem>,
    /// Whether the current revision was acknowledged (`ackBooking`).
    pub acknowledged: bool,
}

#[derive(Serialize)]
pub(crate) struct Client {
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Serialize)]
pub(crate) struct BookingItem {
    pub booking_item_id: i64,
    pub room_id: i64,
    pub room_name: &'static str,
    pub adults: u32,
    pub children: u32,
    pub amount: f64,
    /// Set by `postRoomAssignment`.
    pub room_number: Option<String>,
    pub self_checkin_code: Option<String>,
    /// Set by `ackBooking`.
    pub ext_reservation_id: Option<String>,
}

/// Which inventory: Quendoo's own or the external channels' allotment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sysres {
    Qdo,
    Ext,
}

/// Rooms per room type per night, from `start` for `days` nights.
pub(crate) struct Inventory {
    pub start: NaiveDate,
    pub days: usize,
    /// Indexed like `Property::rooms`, then by night.
    pub qdo: Vec<Vec<Night>>,
    pub ext: Vec<Vec<Night>>,
}

#[derive(Clone, Copy, Serialize)]
pub(crate) struct Night {
    pub avail: u32,
    pub qty: u32,
    pub is_opened: u8,
}

impl Night {
    /// What a guest could book: nothing when closed.
    pub fn sellable(self) -> u32 {
        if self.is_opened == 1 { self.avail } else { 0 }
    }
}

impl Inventory {
    pub fn table(&self, sysres: Sysres) -> &[Vec<Night>] {
        match sysres {
            Sysres::Qdo => &self.qdo,
            Sysres::Ext => &self.ext,
        }
    }

    pub fn table_mut(&mut self, sysres: Sysres) -> &mut [Vec<Night>] {
        match sysres {
            Sysres::Qdo => &mut self.qdo,
            Sysres::Ext => &mut self.ext,
        }
    }

    /// Index of `date` in the nights, if inside the window.
    pub fn index(&self, date: NaiveDate) -> Option<usize> {
        let offset = usize::try_from((date - self.start).num_days()).ok()?;
        (offset < self.days).then_some(offset)
    }

    /// Sellable rooms of room type `room` on `date`; 0 outside the window.
    pub fn sellable(&self, sysres: Sysres, room: usize, date: NaiveDate) -> u32 {
        self.index(date)
            .and_then(|night| self.table(sysres).get(room)?.get(night))
            .map_or(0, |n| n.sellable())
    }

    /// The last night held.
    pub fn end(&self) -> NaiveDate {
        self.start + chrono::Days::new(self.days as u64 - 1)
    }
}

impl Property {
    /// `getPropertySettings` data: all sections, or the named ones.
    pub fn settings(&self, sections: &[&str]) -> Map<String, Value> {
        let mut out = Map::new();
        for name in SETTINGS_SECTIONS {
            if sections.is_empty() || sections.contains(&name) {
                out.insert(name.to_owned(), self.section(name));
            }
        }
        out
    }

    fn section(&self, name: &str) -> Value {
        let rendered = match name {
            "property" => serde_json::to_value(&self.info),
            "rooms" => Ok(self
                .rooms
                .iter()
                .map(|r| json!({ "id": r.id, "name": r.name }))
                .collect()),
            "rates" => serde_json::to_value(&self.rates),
            "meals" => serde_json::to_value(&self.meals),
            "services" => serde_json::to_value(&self.services),
            "beds" => serde_json::to_value(&self.beds),
            "booking_modules" => serde_json::to_value(&self.booking_modules),
            "payment_methods" => serde_json::to_value(&self.payment_methods),
            "channels" => serde_json::to_value(&self.channels),
            _ => Ok(Value::Null),
        };
        rendered.unwrap_or(Value::Null)
    }

    pub fn room_index(&self, room_id: i64) -> Option<usize> {
        self.rooms.iter().position(|r| r.id == room_id)
    }

    /// The `getAvailability` response, written straight into a string: this
    /// is the benchmarked path. Nights outside the window count as 0.
    pub fn write_availability(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        sysres: Sysres,
        out: &mut String,
    ) {
        // Each night's `"YYYY-MM-DD":` key, formatted once for all rooms.
        let mut keys = String::new();
        let mut key_ends = Vec::new();
        for date in from.iter_days().take_while(|d| *d <= to) {
            keys.push('"');
            push_date(&mut keys, date);
            keys.push_str("\":");
            key_ends.push(keys.len());
        }
        let offset = (from - self.inventory.start).num_days();
        out.push_str("{\"data\":{");
        for (room, nights) in self.rooms.iter().zip(self.inventory.table(sysres)) {
            if !out.ends_with('{') {
                out.push(',');
            }
            out.push('"');
            push_i64(out, room.id);
            out.push_str("\":{");
            let mut key_start = 0;
            for (day, key_end) in key_ends.iter().enumerate() {
                if day > 0 {
                    out.push(',');
                }
                out.push_str(&keys[key_start..*key_end]);
                key_start = *key_end;
                let night = usize::try_from(offset + day as i64)
                    .ok()
                    .and_then(|index| nights.get(index));
                push_u32(out, night.map_or(0, |n| n.sellable()));
            }
            out.push('}');
        }
        out.push_str("}}");
    }

    /// Everything this property holds, for tests to compare against.
    pub fn snapshot(&self) -> Value {
        let inventory = |sysres: Sysres| -> Value {
            let table = self.inventory.table(sysres);
            let rooms: Map<String, Value> = self
                .rooms
                .iter()
                .zip(table)
                .map(|(room, nights)| {
                    let nights: Map<String, Value> = self
                        .inventory
                        .start
                        .iter_days()
                        .zip(nights)
                        .map(|(date, night)| (date.to_string(), json!(night)))
                        .collect();
                    (room.id.to_string(), Value::Object(nights))
                })
                .collect();
            Value::Object(rooms)
        };
        json!({
            "spec": self.spec,
            "settings": self.settings(&[]),
            "rooms": self.rooms,
            "inventory": { "qdo": inventory(Sysres::Qdo), "ext": inventory(Sysres::Ext) },
            "inventory_start": self.inventory.start,
            "inventory_end": self.inventory.end(),
            "bookings": self.bookings,
            "external_data": self.external_data,
        })
    }
}
