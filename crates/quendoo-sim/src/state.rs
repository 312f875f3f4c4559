//! The simulator's shared state: properties by credential, what was seen,
//! faults, and the stop signal.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::Utc;
use tokio::sync::watch;

use crate::config::PropertySpec;
use crate::faults::FaultSet;
use crate::generate;
use crate::property::Property;
use crate::record::{Recorder, SentMessage};
use crate::sync::{lock, read, write};

pub(crate) type SharedProperty = Arc<RwLock<Property>>;

pub(crate) struct SimState {
    seed: u64,
    registry: RwLock<Registry>,
    pub recorder: Recorder,
    pub outbox: Mutex<Vec<SentMessage>>,
    pub faults: FaultSet,
    /// Turns true once; hanging requests wait for it.
    pub stopped: watch::Sender<bool>,
}

#[derive(Default)]
struct Registry {
    by_key: HashMap<String, SharedProperty>,
    by_email_bearer: HashMap<String, SharedProperty>,
    by_automation_bearer: HashMap<String, SharedProperty>,
    /// Identities in use, so that two keys never look like one hotel.
    ids: HashSet<i64>,
    names: HashSet<String>,
}

/// Which communication credential.
#[derive(Clone, Copy)]
pub(crate) enum Bearer {
    Email,
    Automation,
}

impl SimState {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            registry: RwLock::new(Registry::default()),
            recorder: Recorder::new(),
            outbox: Mutex::new(Vec::new()),
            faults: FaultSet::new(),
            stopped: watch::Sender::new(false),
        }
    }

    /// Adds a property; a key already present keeps its state and gets the
    /// given bearers.
    pub fn add_property(&self, spec: PropertySpec) {
        if let Some(existing) = self.property(&spec.api_key) {
            let mut registry = write(&self.registry);
            registry
                .by_email_bearer
                .retain(|_, p| !Arc::ptr_eq(p, &existing));
            registry
                .by_automation_bearer
                .retain(|_, p| !Arc::ptr_eq(p, &existing));
            registry
                .by_email_bearer
                .insert(spec.email_bearer.clone(), existing.clone());
            registry
                .by_automation_bearer
                .insert(spec.automation_bearer.clone(), existing.clone());
            write(&existing).spec = spec;
            return;
        }
        let today = Utc::now().date_naive();
        for salt in 0.. {
            let property = generate::property(self.seed, spec.clone(), salt, today);
            let mut registry = write(&self.registry);
            if registry.by_key.contains_key(&spec.api_key) {
                return; // added concurrently
            }
            if registry.ids.contains(&property.info.id)
                || registry.names.contains(&property.info.name)
            {
                continue;
            }
            registry.ids.insert(property.info.id);
            registry.names.insert(property.info.name.clone());
            let shared = Arc::new(RwLock::new(property));
            registry
                .by_email_bearer
                .insert(spec.email_bearer.clone(), shared.clone());
            registry
                .by_automation_bearer
                .insert(spec.automation_bearer.clone(), shared.clone());
            registry.by_key.insert(spec.api_key, shared);
            return;
        }
    }

    /// Makes `alias` a second API key of the property of `key`; false if
    /// there is no such property or `alias` is already a key.
    pub fn alias_key(&self, alias: &str, key: &str) -> bool {
        let mut registry = write(&self.registry);
        let Some(property) = registry.by_key.get(key).cloned() else {
            return false;
        };
        if registry.by_key.contains_key(alias) {
            return false;
        }
        registry.by_key.insert(alias.to_owned(), property);
        true
    }

    /// A new property with random credentials.
    pub fn demo_property(&self) -> PropertySpec {
        let spec = PropertySpec {
            api_key: generate::token("qk_"),
            email_bearer: generate::token("em_"),
            automation_bearer: generate::token("au_"),
        };
        self.add_property(spec.clone());
        spec
    }

    pub fn property(&self, api_key: &str) -> Option<SharedProperty> {
        read(&self.registry).by_key.get(api_key).cloned()
    }

    pub fn property_by_bearer(&self, kind: Bearer, bearer: &str) -> Option<SharedProperty> {
        let registry = read(&self.registry);
        let map = match kind {
            Bearer::Email => &registry.by_email_bearer,
            Bearer::Automation => &registry.by_automation_bearer,
        };
        map.get(bearer).cloned()
    }

    pub fn snapshot(&self, api_key: &str) -> Option<serde_json::Value> {
        self.property(api_key).map(|p| read(&p).snapshot())
    }

    pub fn send(&self, message: SentMessage) {
        lock(&self.outbox).push(message);
    }

    pub fn outbox(&self) -> Vec<SentMessage> {
        lock(&self.outbox).clone()
    }

    pub fn clear_outbox(&self) {
        lock(&self.outbox).clear();
    }

    pub fn stop(&self) {
        self.stopped.send_replace(true);
    }
}
