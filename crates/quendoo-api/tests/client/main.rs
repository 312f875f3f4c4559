//! The client against the simulator over real sockets: one test binary,
//! one module per concern.

mod errors;
mod helpers;
mod no_leak;
mod reads;
mod retries;
mod writes;
