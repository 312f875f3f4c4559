//! Typed async client for the Quendoo PMS API and the two communication
//! services (e-mail, voice call) that Quendoo runs beside it.
//!
//! This crate is the only place that knows URLs, encodings and upstream error
//! shapes (see `shared/quendoo-api.md`). One [`QuendooClient`] holds one pooled
//! HTTP client shared by every tenant; each tenant's credential is a per-call
//! argument and never leaves this crate in a log line, an error or a URL that
//! anyone can print.

mod client;
mod config;
mod encoding;
mod error;
mod observer;
mod redact;
mod transport;
mod types;

pub use client::QuendooClient;
pub use config::ClientConfig;
pub use error::{Error, Result, Service};
pub use observer::{Exchange, Observer};
pub use secrecy::SecretString;
pub use types::{
    AckBooking, AckItem, AvailabilityValue, Email, GuestRoom, OffersQuery, RoomAssignment,
    RoomAssignmentItem, Sysres, VoiceCall,
};
