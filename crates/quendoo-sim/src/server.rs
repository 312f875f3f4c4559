//! The running simulator: an axum server on a tokio task.

use std::net::SocketAddr;

use crate::{Fault, PropertySpec, RecordedRequest, SentMessage, SimConfig};

/// A simulator serving on a tokio task; stops on [`RunningSim::shutdown`] or drop.
pub struct RunningSim {
    addr: SocketAddr,
}

impl RunningSim {
    /// Binds `addr` (port 0 picks a free port) and starts serving.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
        let _ = (config, addr);
        todo!()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pms_base_url(&self) -> String {
        todo!()
    }

    pub fn email_base_url(&self) -> String {
        todo!()
    }

    pub fn automation_base_url(&self) -> String {
        todo!()
    }

    pub fn add_property(&self, spec: PropertySpec) {
        let _ = spec;
        todo!()
    }

    pub fn demo_property(&self) -> PropertySpec {
        todo!()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        todo!()
    }

    pub fn clear_requests(&self) {
        todo!()
    }

    pub fn outbox(&self) -> Vec<SentMessage> {
        todo!()
    }

    pub fn clear_outbox(&self) {
        todo!()
    }

    pub fn set_fault(&self, fault: Fault) {
        let _ = fault;
        todo!()
    }

    pub fn clear_faults(&self) {
        todo!()
    }

    pub fn snapshot(&self, api_key: &str) -> Option<serde_json::Value> {
        let _ = api_key;
        todo!()
    }

    pub async fn shutdown(self) {
        todo!()
    }
}
