//! One simulator per test, one client pointed at it, and shorthands.

use std::net::SocketAddr;

use chrono::NaiveDate;
use quendoo_api::{ClientConfig, QuendooClient, SecretString};
use quendoo_sim::{PropertySpec, RunningSim, SimConfig};
use serde_json::Value;

pub struct TestApp {
    pub sim: RunningSim,
    pub client: QuendooClient,
    pub spec: PropertySpec,
}

pub fn spec(key: &str) -> PropertySpec {
    PropertySpec {
        api_key: key.to_owned(),
        email_bearer: format!("{key}-email"),
        automation_bearer: format!("{key}-automation"),
    }
}

/// A simulator with one property keyed `key` and a client with the default
/// configuration except for the URLs.
pub async fn spawn(key: &str) -> TestApp {
    spawn_with(key, |_| {}).await
}

pub async fn spawn_with(key: &str, configure: impl FnOnce(&mut ClientConfig)) -> TestApp {
    let spec = spec(key);
    let config = SimConfig {
        seed: 42,
        properties: vec![spec.clone()],
    };
    let sim = RunningSim::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the simulator starts");
    let mut config = ClientConfig {
        pms_base_url: sim.pms_base_url().parse().expect("url"),
        email_base_url: Some(sim.email_base_url().parse().expect("url")),
        automation_base_url: Some(sim.automation_base_url().parse().expect("url")),
        ..ClientConfig::default()
    };
    configure(&mut config);
    let client = QuendooClient::new(config).expect("the client builds");
    TestApp { sim, client, spec }
}

impl TestApp {
    pub fn key(&self) -> SecretString {
        SecretString::from(self.spec.api_key.clone())
    }

    pub fn email_bearer(&self) -> SecretString {
        SecretString::from(self.spec.email_bearer.clone())
    }

    pub fn automation_bearer(&self) -> SecretString {
        SecretString::from(self.spec.automation_bearer.clone())
    }

    pub fn snapshot(&self) -> Value {
        self.sim.snapshot(&self.spec.api_key).expect("the property")
    }

    /// The first night of the property's inventory plus `days`.
    pub fn day(&self, days: u64) -> NaiveDate {
        let start: NaiveDate =
            serde_json::from_value(self.snapshot()["inventory_start"].clone()).expect("a date");
        start + chrono::Days::new(days)
    }

    pub fn room_ids(&self) -> Vec<i64> {
        self.snapshot()["rooms"]
            .as_array()
            .expect("rooms")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect()
    }

    /// The decoded query pairs that arrived, request by request.
    pub fn queries(&self) -> Vec<Vec<(String, String)>> {
        self.sim.requests().into_iter().map(|r| r.query).collect()
    }
}

/// Owned pairs from borrowed ones, for comparing queries.
pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
