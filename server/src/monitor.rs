//! Connection registry, fault switches and statistics, each scoped by the
//! `?client=<id>` of the WebSocket URL so that concurrent tests stay apart.
//!
//! Faults set without a client apply to every connection; faults set for a
//! client apply to that client's connections only. Statistics are kept per
//! client and merged when asked without one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::fanout::ConnId;
pub use crate::faults::{Admission, Scope};
use crate::queue::{Out, Tx};

/// Most frames, attempts and hellos kept per client.
pub const STATS_CAP: usize = 10_000;
/// Longest `raw` text kept for one recorded frame.
pub const RAW_CAP: usize = 8 * 1024;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One WebSocket upgrade request and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    #[serde(skip)]
    id: u64,
    /// When it came in.
    pub at_ms: u64,
    /// `accepted`, `refused`, `overloaded` or `rejected_auth`.
    pub outcome: &'static str,
}

/// One `hello`; the token itself is never kept.
#[derive(Debug, Clone, Serialize)]
pub struct Hello {
    /// When it came in.
    pub at_ms: u64,
    /// Whether it carried a non-null token.
    pub has_token: bool,
}

/// One frame received from a client.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// When it came in.
    pub at_ms: u64,
    /// The connection's session, once welcomed.
    pub session: Option<String>,
    /// Its `type`, when it had one.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The text, with any `token` redacted, cut at [`RAW_CAP`] bytes.
    pub raw: String,
}

#[derive(Default)]
struct Stats {
    attempts: Vec<Attempt>,
    hellos: Vec<Hello>,
    frames: Vec<Frame>,
    pings: u64,
    pongs: u64,
    /// The most connections open at once.
    peak_connections: usize,
}

#[derive(Default)]
struct Faults {
    refuse_until: Option<Instant>,
    overload_until: Option<(Instant, u64)>,
    mute_pings: bool,
    reject_auth: bool,
    drop_before_ack: u32,
    subscribe_unavailable: u32,
}

struct Conn {
    client: Scope,
    session: Option<String>,
    tx: Tx,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    conns: HashMap<ConnId, Conn>,
    faults: HashMap<Scope, Faults>,
    stats: HashMap<Scope, Stats>,
    token: Option<String>,
}

/// Statistics as served by `GET /control/stats`.
#[derive(Debug, Serialize)]
pub struct StatsView {
    /// Open WebSocket connections.
    pub connections: usize,
    /// The most connections open at once since the last reset, counted from
    /// the upgrade until the server lets the TCP connection go, so even a
    /// short overlap shows. Merged over clients, the highest client's peak.
    pub peak_connections: usize,
    /// Upgrade requests.
    pub attempts: Vec<Attempt>,
    /// `hello` frames.
    pub hellos: Vec<Hello>,
    /// Client frames.
    pub frames: Vec<Frame>,
    /// Live subscriptions; filled in by the caller, which owns the topics.
    pub subscriptions: Vec<serde_json::Value>,
    /// Pings received.
    pub pings: u64,
    /// Pongs sent.
    pub pongs: u64,
}

/// Registry, faults and statistics behind one mutex.
pub struct Monitor {
    inner: Mutex<Inner>,
    configured_token: Option<String>,
}

fn push_capped<T>(v: &mut Vec<T>, item: T) {
    if v.len() < STATS_CAP {
        v.push(item);
    }
}

fn active(until: Option<Instant>) -> bool {
    until.is_some_and(|u| Instant::now() < u)
}

impl Monitor {
    /// A monitor that requires `token` until told otherwise.
    pub fn new(token: Option<String>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                token: token.clone(),
                ..Inner::default()
            }),
            configured_token: token,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides on an upgrade request and records it as an attempt.
    pub fn admit(&self, client: &Scope) -> Admission {
        let mut inner = self.lock();
        let scopes = [&None, client];
        let mut admission = None;
        for s in scopes {
            if let Some(f) = inner.faults.get(s) {
                if active(f.refuse_until) {
                    admission = Some(Admission::Refuse);
                    break;
                }
                if let Some((until, ms)) = f.overload_until
                    && active(Some(until))
                {
                    admission = Some(Admission::Overload(ms));
                }
            }
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let admission = admission.unwrap_or(Admission::Accept(id));
        let outcome = match admission {
            Admission::Accept(_) => "accepted",
            Admission::Refuse => "refused",
            Admission::Overload(_) => "overloaded",
        };
        let attempt = Attempt {
            id,
            at_ms: now_ms(),
            outcome,
        };
        push_capped(
            &mut inner.stats.entry(client.clone()).or_default().attempts,
            attempt,
        );
        admission
    }

    /// Registers an accepted connection under its id.
    pub fn register(&self, id: ConnId, client: Scope, tx: Tx) {
        let mut inner = self.lock();
        let open = 1 + inner.conns.values().filter(|c| c.client == client).count();
        let stats = inner.stats.entry(client.clone()).or_default();
        stats.peak_connections = stats.peak_connections.max(open);
        inner.conns.insert(
            id,
            Conn {
                client,
                session: None,
                tx,
            },
        );
    }

    /// Forgets a connection that has ended.
    pub fn unregister(&self, conn: ConnId) {
        self.lock().conns.remove(&conn);
    }

    /// Records a `hello` and decides whether its token passes.
    pub fn hello(&self, client: &Scope, attempt: u64, token: Option<&str>) -> bool {
        let mut inner = self.lock();
        let forced = [&None, client]
            .into_iter()
            .any(|s| inner.faults.get(s).is_some_and(|f| f.reject_auth));
        let ok = !forced && inner.token.as_deref().is_none_or(|t| Some(t) == token);
        let stats = inner.stats.entry(client.clone()).or_default();
        push_capped(
            &mut stats.hellos,
            Hello {
                at_ms: now_ms(),
                has_token: token.is_some(),
            },
        );
        if !ok && let Some(a) = stats.attempts.iter_mut().find(|a| a.id == attempt) {
            a.outcome = "rejected_auth";
        }
        ok
    }

    /// Remembers a connection's session id once it is welcomed.
    pub fn set_session(&self, conn: ConnId, session: &str) {
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.session = Some(session.to_owned());
        }
    }

    /// The session and client of a connection, for listing subscriptions.
    pub fn conn_info(&self, conn: ConnId) -> Option<(Scope, Option<String>)> {
        let inner = self.lock();
        inner
            .conns
            .get(&conn)
            .map(|c| (c.client.clone(), c.session.clone()))
    }

    /// Records a client frame.
    pub fn frame(&self, client: &Scope, frame: Frame) {
        let mut inner = self.lock();
        push_capped(
            &mut inner.stats.entry(client.clone()).or_default().frames,
            frame,
        );
    }

    /// Records a ping and says whether to answer it (counting the pong).
    pub fn ping(&self, client: &Scope) -> bool {
        let mut inner = self.lock();
        let muted = [&None, client]
            .into_iter()
            .any(|s| inner.faults.get(s).is_some_and(|f| f.mute_pings));
        let stats = inner.stats.entry(client.clone()).or_default();
        stats.pings += 1;
        if !muted {
            stats.pongs += 1;
        }
        !muted
    }

    /// Consumes one pending "drop before ack" for this client, if any.
    pub fn take_drop_before_ack(&self, client: &Scope) -> bool {
        self.take(client, |f| &mut f.drop_before_ack)
    }

    /// Consumes one pending "answer a subscribe `unavailable`" for this client, if any.
    pub fn take_subscribe_unavailable(&self, client: &Scope) -> bool {
        self.take(client, |f| &mut f.subscribe_unavailable)
    }

    /// Consumes one of a counted fault, the client's or else the global one.
    fn take(&self, client: &Scope, count: impl Fn(&mut Faults) -> &mut u32) -> bool {
        let mut inner = self.lock();
        for s in [client, &None] {
            if let Some(n) = inner.faults.get_mut(s).map(&count).filter(|n| **n > 0) {
                *n -= 1;
                return true;
            }
        }
        false
    }

    /// Sends a command to every open connection in scope; returns how many.
    pub fn command(&self, scope: &Scope, make: impl Fn() -> Out) -> usize {
        let inner = self.lock();
        inner
            .conns
            .values()
            .filter(|c| scope.is_none() || c.client == *scope)
            .filter(|c| c.tx.send(make()))
            .count()
    }

    /// Refuses upgrades in scope for `ms`.
    pub fn refuse(&self, scope: Scope, ms: u64) {
        self.lock().faults.entry(scope).or_default().refuse_until = Some(deadline(ms));
    }

    /// Accepts then closes upgrades in scope with 4429 for `ms`.
    pub fn overload(&self, scope: Scope, ms: u64, retry_after: u64) {
        self.lock().faults.entry(scope).or_default().overload_until =
            Some((deadline(ms), retry_after));
    }

    /// Stops or resumes answering pings in scope.
    pub fn mute_pings(&self, scope: Scope, on: bool) {
        self.lock().faults.entry(scope).or_default().mute_pings = on;
    }

    /// Rejects or stops rejecting every `hello` in scope.
    pub fn reject_auth(&self, scope: Scope, on: bool) {
        self.lock().faults.entry(scope).or_default().reject_auth = on;
    }

    /// Drops the connection before the ack for the next `n` mutations in scope.
    pub fn drop_before_ack(&self, scope: Scope, n: u32) {
        self.lock().faults.entry(scope).or_default().drop_before_ack = n;
    }

    /// Answers the next `n` subscribes in scope `unavailable`, as a failed engine would.
    pub fn subscribe_unavailable(&self, scope: Scope, n: u32) {
        self.lock()
            .faults
            .entry(scope)
            .or_default()
            .subscribe_unavailable = n;
    }

    /// Sets the required token; `None` accepts any.
    pub fn set_token(&self, token: Option<String>) {
        self.lock().token = token;
    }

    /// Clears faults and statistics of one client, or of all (which also
    /// restores the configured token).
    pub fn reset(&self, scope: &Scope) {
        let mut inner = self.lock();
        if scope.is_some() {
            inner.faults.remove(scope);
            inner.stats.remove(scope);
        } else {
            inner.faults.clear();
            inner.stats.clear();
            inner.token = self.configured_token.clone();
        }
    }

    /// Statistics of one client, or merged over all.
    pub fn stats(&self, scope: &Scope) -> StatsView {
        let inner = self.lock();
        let mut view = StatsView {
            connections: inner
                .conns
                .values()
                .filter(|c| scope.is_none() || c.client == *scope)
                .count(),
            attempts: Vec::new(),
            hellos: Vec::new(),
            frames: Vec::new(),
            peak_connections: 0,
            subscriptions: Vec::new(),
            pings: 0,
            pongs: 0,
        };
        for (s, st) in &inner.stats {
            if scope.is_some() && s != scope {
                continue;
            }
            view.attempts.extend(st.attempts.iter().cloned());
            view.hellos.extend(st.hellos.iter().cloned());
            view.frames.extend(st.frames.iter().cloned());
            view.pings += st.pings;
            view.pongs += st.pongs;
            view.peak_connections = view.peak_connections.max(st.peak_connections);
        }
        // Merging clients interleaves them; keep each list in time order.
        view.attempts.sort_by_key(|a| a.at_ms);
        view.hellos.sort_by_key(|h| h.at_ms);
        view.frames.sort_by_key(|f| f.at_ms);
        view
    }
}

fn deadline(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}
