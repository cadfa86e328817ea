//! The synced types of the demo: a shared task board and the server's ticker.

use leptos_sync::{SubscriptionState, SubscriptionStatus, SyncComponent, SyncRegistry};
use serde::{Deserialize, Serialize};

/// One task of a shared board, on topic "Task:<board>", keyed by a random id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
pub struct Task {
    /// What to do.
    pub title: String,
    /// Ticked off.
    pub done: bool,
    /// When it was added (ms since the epoch); orders the board.
    pub created_at: u64,
}

/// One symbol's price, published about every second by the server's
/// `--demo-data` generator on topic "Ticker", keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
pub struct Ticker {
    /// The price.
    pub price: f64,
    /// When it was published (ms since the epoch).
    pub at: u64,
}

/// Every type the page syncs.
pub fn registry() -> SyncRegistry {
    SyncRegistry::new()
        .register::<Task>()
        .register::<Ticker>()
        .event::<crate::toast::Joined>()
}

/// A subscription's status as one word: pending, live, recovering, stale, error.
pub fn status_word(state: &SubscriptionState) -> &'static str {
    match state.status {
        SubscriptionStatus::Pending => "pending",
        SubscriptionStatus::Live => "live",
        SubscriptionStatus::Recovering => "recovering",
        SubscriptionStatus::Stale => "stale",
        SubscriptionStatus::Error => "error",
    }
}

/// How the last (re)subscribe went: "recovered" (replayed from history), "snapshot", or "–".
pub fn recovered_word(state: &SubscriptionState) -> &'static str {
    match state.recovered {
        Some(true) => "recovered",
        Some(false) => "snapshot",
        None => "–",
    }
}

/// Wall-clock milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
