//! Deterministic demo data: the same seed, key and day give the same property.

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::config::PropertySpec;
use crate::property::{
    Booking, BookingItem, BookingModule, Channel, Client, ExtraService, Inventory, Named, Night,
    Property, PropertyInfo, Rate, Room,
};

/// Nights of inventory held from today: a year and a day.
pub(crate) const INVENTORY_DAYS: usize = 366;

/// (name, type, m², regular beds, extra beds, bed id, base price per adult-night in EUR)
const ROOM_TYPES: [(&str, &str, u32, u32, u32, i64, f64); 12] = [
    ("Single Room", "Single", 14, 1, 0, 1, 55.0),
    ("Double Room", "Double", 20, 2, 0, 2, 48.0),
    ("Double Room Sea View", "Double", 24, 2, 1, 3, 62.0),
    ("Twin Room", "Twin", 20, 2, 0, 1, 46.0),
    ("Triple Room", "Triple", 28, 3, 0, 1, 44.0),
    ("Family Room", "Family", 34, 2, 2, 3, 52.0),
    ("Junior Suite", "Suite", 40, 2, 1, 4, 85.0),
    ("Executive Suite", "Suite", 55, 2, 2, 4, 120.0),
    ("Studio with Kitchenette", "Studio", 30, 2, 1, 5, 58.0),
    ("Two-Bedroom Apartment", "Apartment", 65, 4, 2, 2, 50.0),
    ("Presidential Suite", "Suite", 90, 2, 2, 4, 210.0),
    ("Economy Double Room", "Double", 16, 2, 0, 2, 36.0),
];

const HOTEL_WORDS: [&str; 16] = [
    "Aurora",
    "Belvedere",
    "Cascade",
    "Dunav",
    "Edelweiss",
    "Fortuna",
    "Granit",
    "Horizon",
    "Iris",
    "Jasmine",
    "Kaliakra",
    "Lazur",
    "Marina",
    "Nessebar",
    "Olympia",
    "Pirin",
];

const FIRST_NAMES: [&str; 16] = [
    "Maria", "Ivan", "Georgi", "Elena", "Peter", "Anna", "Dimitar", "Sofia", "Nikolay", "Yana",
    "John", "Emma", "Lukas", "Olga", "Marco", "Chloe",
];

const LAST_NAMES: [&str; 16] = [
    "Ivanova",
    "Petrov",
    "Georgieva",
    "Dimitrov",
    "Nikolova",
    "Stoyanov",
    "Smith",
    "Mueller",
    "Rossi",
    "Dubois",
    "Novak",
    "Kovacs",
    "Popescu",
    "Jensen",
    "Garcia",
    "Brown",
];

const CHANNELS: [(&str, &str); 4] = [
    ("QUENDOO", "Quendoo Booking Engine"),
    ("BOOKING", "Booking.com"),
    ("EXPEDIA", "Expedia"),
    ("AIRBNB", "Airbnb"),
];

/// A property for `spec`. `salt` changes the identity (id, name) when the
/// registry finds it already taken.
pub(crate) fn property(seed: u64, spec: PropertySpec, salt: u64, today: NaiveDate) -> Property {
    let hash = fnv1a(spec.api_key.as_bytes()) ^ seed.rotate_left(17) ^ salt.wrapping_mul(0x9E37);
    let mut rng = StdRng::seed_from_u64(hash);
    let id = rng.random_range(100..900_100_i64);
    let currency = if rng.random_bool(0.7) { "EUR" } else { "BGN" };
    let to_local = if currency == "EUR" { 1.0 } else { 1.95583 };
    let info = PropertyInfo {
        id,
        name: format!(
            "Hotel {} {}",
            HOTEL_WORDS.choose(&mut rng).unwrap_or(&"Aurora"),
            rng.random_range(1000..10_000)
        ),
        currency,
        timezone: "Europe/Sofia",
    };
    let rooms = rooms(&mut rng, id, to_local);
    let rates = rates(id);
    let inventory = inventory(&mut rng, &rooms, today);
    let channels: Vec<Channel> = CHANNELS
        .iter()
        .map(|&(code, name)| Channel { code, name })
        .collect();
    let bookings = bookings(&mut rng, id, &rooms, &rates, currency, today);
    Property {
        spec,
        info,
        rates,
        meals: named(
            id,
            &["Room only", "Breakfast", "Half board", "All inclusive"],
        ),
        services: services(id, to_local),
        beds: named(
            0,
            &[
                "Single bed",
                "Double bed",
                "Queen bed",
                "King bed",
                "Sofa bed",
            ],
        ),
        booking_modules: booking_modules(&mut rng),
        payment_methods: named(
            0,
            &["Bank transfer", "Credit card", "Cash on arrival", "PayPal"],
        ),
        channels,
        rooms,
        inventory,
        bookings,
        external_data: Vec::new(),
    }
}

/// A random credential for demo properties.
pub(crate) fn token(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let body: String = (0..32)
        .map(|_| char::from(*ALPHABET.choose(&mut rng).unwrap_or(&b'x')))
        .collect();
    format!("{prefix}{body}")
}

/// Stable across runs and platforms, unlike `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn rooms(rng: &mut StdRng, property_id: i64, to_local: f64) -> Vec<Room> {
    let mut types: Vec<usize> = (0..ROOM_TYPES.len()).collect();
    types.shuffle(rng);
    types.truncate(rng.random_range(9..=11));
    types.sort_unstable();
    types
        .into_iter()
        .enumerate()
        .map(|(n, kind)| {
            let (name, type_name, sqm_area, regular_beds, extra_beds, bed_id, price) =
                ROOM_TYPES[kind];
            let id = property_id * 100 + n as i64 + 1;
            let factor = rng.random_range(0.85..1.25);
            Room {
                id,
                name,
                type_name,
                sqm_area,
                regular_beds,
                extra_beds,
                bed_id,
                ext_room_id: format!("EXT-{id}"),
                description: format!(
                    "{name} of {sqm_area} m² with {regular_beds} regular and {extra_beds} extra beds, \
                     air conditioning, free Wi-Fi and a private bathroom."
                ),
                images: (1..=3)
                    .map(|i| format!("https://booking.quendoo.com/files/rooms/{id}/{i}.jpg"))
                    .collect(),
                base_price: round2(price * factor * to_local),
            }
        })
        .collect()
}

fn rates(property_id: i64) -> Vec<Rate> {
    let meal = |n: i64| property_id * 10 + n;
    [
        (
            "Standard",
            meal(1),
            1.0,
            "Free cancellation until 7 days before arrival",
        ),
        (
            "Bed & Breakfast",
            meal(2),
            1.15,
            "Free cancellation until 3 days before arrival",
        ),
        (
            "Half Board",
            meal(3),
            1.35,
            "Free cancellation until 3 days before arrival",
        ),
        (
            "Non-refundable",
            meal(1),
            0.88,
            "Non-refundable: the full amount is charged at booking",
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (name, meal_id, factor, cancellation_policy))| Rate {
        id: property_id * 10 + n as i64 + 1,
        name,
        meal_id,
        cancellation_policy,
        factor,
    })
    .collect()
}

/// Ids are `base * 10 + n` so that they differ between properties when `base` does.
fn named(base: i64, names: &[&'static str]) -> Vec<Named> {
    names
        .iter()
        .enumerate()
        .map(|(n, name)| Named {
            id: base * 10 + n as i64 + 1,
            name,
        })
        .collect()
}

fn services(property_id: i64, to_local: f64) -> Vec<ExtraService> {
    [
        ("Parking", 10.0),
        ("Airport transfer", 35.0),
        ("Spa access", 20.0),
        ("Late check-out", 15.0),
        ("Pet fee", 12.0),
        ("Baby cot", 0.0),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (name, price))| ExtraService {
        id: property_id * 10 + n as i64 + 1,
        name,
        price: round2(price * to_local),
    })
    .collect()
}

/// An inactive module first, so that auto-detection must skip it.
fn booking_modules(rng: &mut StdRng) -> Vec<BookingModule> {
    let mut code = || -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..10)
            .map(|_| char::from(*ALPHABET.choose(rng).unwrap_or(&b'q')))
            .collect()
    };
    vec![
        BookingModule {
            code: code(),
            name: "Old website",
            is_active: 0,
        },
        BookingModule {
            code: code(),
            name: "Website",
            is_active: 1,
        },
        BookingModule {
            code: code(),
            name: "Mobile app",
            is_active: 1,
        },
    ]
}

fn inventory(rng: &mut StdRng, rooms: &[Room], today: NaiveDate) -> Inventory {
    let mut table = |share: f64| -> Vec<Vec<Night>> {
        rooms
            .iter()
            .map(|_| {
                let qty = ((f64::from(rng.random_range(3..=14_u32)) * share).ceil()) as u32;
                (0..INVENTORY_DAYS)
                    .map(|_| Night {
                        avail: rng.random_range(0..=qty),
                        qty,
                        is_opened: u8::from(!rng.random_bool(0.03)),
                    })
                    .collect()
            })
            .collect()
    };
    let qdo = table(1.0);
    let ext = table(0.4);
    Inventory {
        start: today,
        days: INVENTORY_DAYS,
        qdo,
        ext,
    }
}

fn bookings(
    rng: &mut StdRng,
    property_id: i64,
    rooms: &[Room],
    rates: &[Rate],
    currency: &'static str,
    today: NaiveDate,
) -> Vec<Booking> {
    let count = rng.random_range(200..400);
    let mut next_item = property_id * 100_000;
    (0..count)
        .map(|n| {
            let checkin = shift(today, rng.random_range(-60..300));
            let nights = rng.random_range(1..=10_u32);
            let created = shift(checkin, -rng.random_range(1..120));
            let (booking_status, payment_status) = match rng.random_range(0..20) {
                0..=1 => ("cancelled", "refunded"),
                2..=4 => ("modified", "paid"),
                5..=9 => ("confirmed", "pending"),
                _ => ("confirmed", "paid"),
            };
            let revision_number = if booking_status == "modified" {
                rng.random_range(2..=3)
            } else {
                1
            };
            let rate = rates.choose(rng).map_or(1.0, |r| r.factor);
            let booking_items: Vec<BookingItem> = (0..rng.random_range(1..=3))
                .map(|_| {
                    let room = &rooms[rng.random_range(0..rooms.len())];
                    next_item += 1;
                    let adults = rng.random_range(1..=room.regular_beds);
                    let children = rng.random_range(0..=room.extra_beds);
                    let guests = f64::from(adults) + 0.5 * f64::from(children);
                    BookingItem {
                        booking_item_id: next_item,
                        room_id: room.id,
                        room_name: room.name,
                        adults,
                        children,
                        amount: round2(room.base_price * rate * guests * f64::from(nights)),
                        room_number: None,
                        self_checkin_code: None,
                        ext_reservation_id: None,
                    }
                })
                .collect();
            let first = FIRST_NAMES.choose(rng).unwrap_or(&"Maria");
            let last = LAST_NAMES.choose(rng).unwrap_or(&"Ivanova");
            let domain = ["example.com", "example.org", "example.net"]
                .choose(rng)
                .unwrap_or(&"example.com");
            Booking {
                booking_id: property_id * 10_000 + n,
                revision_id: property_id * 100_000 + 50_000 + n * 4 + i64::from(revision_number),
                revision_number,
                booking_status,
                payment_status,
                checkin_date: checkin,
                checkout_date: shift(checkin, i64::from(nights)),
                created_datetime: format!(
                    "{created} {:02}:{:02}:{:02}",
                    rng.random_range(0..24),
                    rng.random_range(0..60),
                    rng.random_range(0..60)
                ),
                total_amount: round2(booking_items.iter().map(|i| i.amount).sum()),
                currency,
                channel: CHANNELS.choose(rng).map_or("QUENDOO", |c| c.0),
                client: Client {
                    name: format!("{first} {last}"),
                    email: format!(
                        "{}.{}{}@{domain}",
                        first.to_lowercase(),
                        last.to_lowercase(),
                        rng.random_range(1..100)
                    ),
                    phone: format!(
                        "+359 8{} {:03} {:04}",
                        rng.random_range(7..=9),
                        rng.random_range(0..1000),
                        rng.random_range(0..10_000)
                    ),
                },
                booking_items,
                acknowledged: created < shift(today, -7) && rng.random_bool(0.8),
            }
        })
        .collect()
}

fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    let magnitude = Days::new(days.unsigned_abs());
    let shifted = if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    };
    shifted.unwrap_or(date)
}

pub(crate) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
