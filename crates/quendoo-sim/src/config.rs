//! What a simulator starts with.

use serde::{Deserialize, Serialize};

/// The simulator's seed and its initial properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Seed of all generated data: the same seed and key give the same
    /// property (dates are relative to the day it is created).
    pub seed: u64,
    /// Properties to create at start.
    pub properties: Vec<PropertySpec>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            properties: Vec::new(),
        }
    }
}

/// One property and the three credentials that reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertySpec {
    /// The PMS API key (`api_key=` in the query).
    pub api_key: String,
    /// Bearer token the e-mail endpoint accepts for this property.
    pub email_bearer: String,
    /// Bearer token the voice-call endpoint accepts for this property.
    pub automation_bearer: String,
}
