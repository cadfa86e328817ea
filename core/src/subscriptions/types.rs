//! The subscription table's public vocabulary: statuses, data events, counters.

use serde_json::{Map, Value};

/// Where a subscription stands.
///
/// ```
/// use leptos_sync_core::SubscriptionStatus;
///
/// fn badge(status: SubscriptionStatus) -> &'static str {
///     match status {
///         SubscriptionStatus::Pending => "loading",
///         SubscriptionStatus::Live => "live",
///         SubscriptionStatus::Recovering => "catching up",
///         SubscriptionStatus::Stale => "offline (last known data)",
///         SubscriptionStatus::Error => "unavailable",
///     }
/// }
/// assert_eq!(badge(SubscriptionStatus::default()), "loading");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionStatus {
    /// Asked for, no data yet (also while a `subscribe` the server answered
    /// `unavailable` waits for its retry).
    #[default]
    Pending,
    /// Up to date and receiving updates. A value this client cannot decode
    /// does not change it (the stream is healthy): it is counted in
    /// [`SubscriptionCounters::undecodable`], and the `leptos-sync` client
    /// drops its key and lists it in `SyncEntries::undecodable`.
    Live,
    /// Catching up after a reconnect or a gap: replay or snapshot in progress.
    Recovering,
    /// Disconnected; the last data is kept and shown.
    Stale,
    /// The server refused it (`forbidden`, `schema_mismatch`, ...: not
    /// `unavailable`, which is retried) or its data cannot be used (see `last_error`).
    Error,
}

/// A subscription's status plus how its last (re)subscribe went.
///
/// ```
/// use leptos_sync_core::{SubscriptionState, SubscriptionStatus};
///
/// let state = SubscriptionState { status: SubscriptionStatus::Live, recovered: Some(true) };
/// // Resumed from history after a reconnect: no snapshot was needed.
/// assert_eq!(state.recovered, Some(true));
/// assert_eq!(SubscriptionState::default().recovered, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubscriptionState {
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// Whether the last resubscribe was served from the server's history
    /// (`true`) or needed a snapshot (`false`); `None` before the first answer.
    pub recovered: Option<bool>,
}

/// A change for the typed data layer.
///
/// ```
/// use std::collections::BTreeMap;
/// use leptos_sync_core::DataEvent;
/// use serde_json::{Value, json};
///
/// // What a typed layer does with each event for one topic.
/// fn apply(entries: &mut BTreeMap<String, Value>, event: DataEvent) {
///     match event {
///         DataEvent::Replace { entries: all, .. } => *entries = all.into_iter().collect(),
///         DataEvent::Apply { key, value: Value::Null, .. } => { entries.remove(&key); }
///         DataEvent::Apply { key, value, .. } => { entries.insert(key, value); }
///         DataEvent::State { .. } | DataEvent::Ended { .. } => {}
///     }
/// }
/// let mut tasks = BTreeMap::new();
/// apply(&mut tasks, DataEvent::Apply { topic: "Task".into(), key: "t1".into(), value: json!({"done": false}) });
/// apply(&mut tasks, DataEvent::Apply { topic: "Task".into(), key: "t1".into(), value: Value::Null });
/// assert!(tasks.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum DataEvent {
    /// Replace every entry of the topic.
    Replace {
        /// Topic name.
        topic: String,
        /// Every entry, by key.
        entries: Map<String, Value>,
    },
    /// Set one entry (`null` removes it).
    Apply {
        /// Topic name.
        topic: String,
        /// Entry key.
        key: String,
        /// New value.
        value: Value,
    },
    /// The subscription's state changed.
    State {
        /// Topic name.
        topic: String,
        /// The new state.
        state: SubscriptionState,
    },
    /// The last user left: the topic's data is no longer kept live.
    Ended {
        /// Topic name.
        topic: String,
    },
}

/// What the subscription table has done, for metrics.
///
/// ```
/// use leptos_sync_core::{Machine, MachineOptions};
///
/// let machine = Machine::new(MachineOptions::default(), || 0.5);
/// let counters = machine.metrics().subscriptions;
/// assert_eq!((counters.snapshots, counters.gaps), (0, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubscriptionCounters {
    /// Updates applied (live and replayed).
    pub updates: u64,
    /// Snapshots applied.
    pub snapshots: u64,
    /// Updates at or below the last applied seq, ignored.
    pub duplicates: u64,
    /// Seq gaps detected and healed by resubscribing.
    pub gaps: u64,
    /// Values (updates or snapshot entries) the typed layer could not decode
    /// into their type, reported by the driver through
    /// [`Machine::count_undecodable`](crate::Machine::count_undecodable). Their
    /// keys are dropped from the entries, not resynced: the server would send
    /// the same value again.
    pub undecodable: u64,
}
