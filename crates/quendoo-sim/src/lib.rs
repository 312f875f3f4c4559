//! A simulator of the Quendoo PMS API and its e-mail and voice-call services:
//! the upstream of this project's tests, demo mode and benchmarks.
//!
//! Same paths, parameters, encodings, response shapes and kinds of failure as
//! the contract in `shared/quendoo-api.md`. Each API key is one property with
//! deterministic data from `(seed, key)`; writes change that state. Test
//! controls (recorded requests, the outbox, faults, snapshots) are methods of
//! [`RunningSim`] and are also served over HTTP under `/__sim/`:
//!
//! | | |
//! |---|---|
//! | `GET` / `DELETE /__sim/requests` | recorded requests / forget them |
//! | `GET` / `DELETE /__sim/outbox` | e-mails and calls accepted / forget them |
//! | `POST` / `DELETE /__sim/faults` | add a [`Fault`] (JSON) / remove all |
//! | `POST /__sim/properties` | add a [`PropertySpec`] (JSON), or a demo property with no body |
//! | `GET /__sim/properties/{api_key}` | the property's snapshot |
//!
//! The simulator's own interpretations where the contract is silent:
//! `updateAvailability` items with `room_id` change Quendoo's inventory
//! (`sysres=qdo`), items with `ext_room_id` (`EXT-<room id>`) the external
//! channels' (`sysres=ext`); a closed night (`is_opened: 0`) reads as 0;
//! nights outside the year held read as 0; `postExternalPropertyData`
//! answers with an empty body.

mod config;
mod faults;
mod generate;
mod json;
mod offers;
mod params;
mod property;
mod record;
mod routes;
mod server;
mod state;
mod sync;
mod writes;

pub use config::{PropertySpec, SimConfig};
pub use faults::{Fault, FaultBody};
pub use record::{RecordedRequest, SentMessage};
pub use server::RunningSim;
