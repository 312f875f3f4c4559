//! Foundation tests: storage and secrets on SQLite and PostgreSQL, the admin
//! CLI as a real process, and `/health` over real HTTP. One binary, to keep
//! link times down.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod cli;
mod connections;
mod health;
mod hotel_cache;
mod pipeline;
mod retention;
mod secrets;
mod storage;
