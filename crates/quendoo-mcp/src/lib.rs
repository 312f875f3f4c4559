//! quendoo-mcp: a multi-tenant MCP server for the Quendoo hotel PMS.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod confirmation;
pub mod crypto;
pub mod demo;
pub mod dev_secrets;
pub mod domain;
pub mod executor;
pub mod hotels;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod policy;
pub mod protocol;
pub mod retention;
pub mod secrets;
pub mod server;
pub mod storage;
pub mod telemetry;
pub mod tools;
