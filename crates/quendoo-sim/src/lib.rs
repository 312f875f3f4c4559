//! A simulator of the Quendoo PMS API and its e-mail and voice-call services:
//! the upstream of this project's tests, demo mode and benchmarks.
//!
//! Same paths, parameters, encodings, response shapes and kinds of failure as
//! the contract in `shared/quendoo-api.md`. Each API key is one property with
//! deterministic data from `(seed, key)`; writes change that state. Test
//! controls (recorded requests, the outbox, faults, snapshots) are methods of
//! [`RunningSim`] and are also served over HTTP under `/__sim/`.

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
