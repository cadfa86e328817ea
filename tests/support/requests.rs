//! The reference server's request methods the tests call.

use leptos_sync::SyncRequest;
use serde::{Deserialize, Serialize};

/// The reference server's `slow`: answers after `ms` with the runs of `tag` in its process.
#[derive(Serialize, Deserialize)]
pub struct Slow {
    pub ms: u64,
    pub tag: String,
}

/// What `slow` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ran {
    pub tag: String,
    pub runs: u64,
}

impl SyncRequest for Slow {
    const METHOD: &'static str = "slow";
    type Response = Ran;
}
