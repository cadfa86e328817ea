//! The points where the `/control` API changes how a connection behaves, and
//! what it records. With the `control` feature they go to the
//! [`Monitor`](crate::monitor::Monitor) and [`Chaos`](crate::chaos::Chaos)
//! switches; without it each is a constant the compiler folds away, so an
//! application's build carries no fault injection at all.

use crate::fanout::ConnId;
use crate::queue::Tx;
use crate::server::App;

/// A client id scope, from `?client=<id>` on the WebSocket URL: `None`
/// means "every client" for faults, "no client id" for statistics.
pub type Scope = Option<String>;

/// What to do with a WebSocket upgrade request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Upgrade and serve it; the attempt id lets `hello` rewrite the outcome.
    Accept(u64),
    /// Answer HTTP 503.
    #[cfg(feature = "control")]
    Refuse,
    /// Upgrade, then close at once with 4429 and this retry-after in ms.
    #[cfg(feature = "control")]
    Overload(u64),
}

impl App {
    /// Whether `token` passes the configured token (any does when none is set).
    fn token_passes(&self, token: Option<&str>) -> bool {
        let required = self.config.required_token();
        required.is_none_or(|t| Some(t.as_str()) == token)
    }
}

/// With the feature but without the `control` option, nothing is recorded:
/// nobody can read the statistics then, and a client (any `?client=` id)
/// could make the server keep thousands of its frames, up to 8 KiB each.
#[cfg(feature = "control")]
impl App {
    pub(crate) fn admit(&self, client: &Scope) -> Admission {
        if !self.config.control {
            return Admission::Accept(0);
        }
        self.monitor.admit(client)
    }

    pub(crate) fn register(&self, id: ConnId, client: Scope, tx: Tx) {
        self.monitor.register(id, client, tx);
    }

    pub(crate) fn unregister(&self, id: ConnId) {
        self.monitor.unregister(id);
    }

    /// Records a `hello` and decides whether its token passes.
    pub(crate) fn hello(&self, client: &Scope, attempt: u64, token: Option<&str>) -> bool {
        if !self.config.control {
            return self.token_passes(token);
        }
        self.monitor.hello(client, attempt, token)
    }

    pub(crate) fn set_session(&self, id: ConnId, session: &str) {
        self.monitor.set_session(id, session);
    }

    /// Records a client frame (with any token redacted) for `/control/stats`;
    /// a frame not to be `parse`d (too large) is kept as cut text.
    pub(crate) fn record(&self, client: &Scope, session: Option<String>, text: &str, parse: bool) {
        if !self.config.control {
            return;
        }
        let (kind, raw) = if parse {
            inspect(text)
        } else {
            (None, redact::truncate(text).to_owned())
        };
        let at_ms = crate::monitor::now_ms();
        let frame = crate::monitor::Frame {
            at_ms,
            session,
            kind,
            raw,
        };
        self.monitor.frame(client, frame);
    }

    /// Counts a ping; false when pings are muted.
    pub(crate) fn ping(&self, client: &Scope) -> bool {
        !self.config.control || self.monitor.ping(client)
    }

    pub(crate) fn take_drop_before_ack(&self, client: &Scope) -> bool {
        self.monitor.take_drop_before_ack(client)
    }

    pub(crate) fn take_subscribe_unavailable(&self, client: &Scope) -> bool {
        self.monitor.take_subscribe_unavailable(client)
    }

    pub(crate) fn flapping(&self, client: &Scope) -> bool {
        self.chaos.flapping(client)
    }
}

#[cfg(not(feature = "control"))]
impl App {
    pub(crate) fn admit(&self, _client: &Scope) -> Admission {
        Admission::Accept(0)
    }

    pub(crate) fn register(&self, _id: ConnId, _client: Scope, _tx: Tx) {}

    pub(crate) fn unregister(&self, _id: ConnId) {}

    pub(crate) fn hello(&self, _client: &Scope, _attempt: u64, token: Option<&str>) -> bool {
        self.token_passes(token)
    }

    pub(crate) fn set_session(&self, _id: ConnId, _session: &str) {}

    pub(crate) fn record(
        &self,
        _client: &Scope,
        _session: Option<String>,
        _text: &str,
        _parse: bool,
    ) {
    }

    pub(crate) fn ping(&self, _client: &Scope) -> bool {
        true
    }

    pub(crate) fn take_drop_before_ack(&self, _client: &Scope) -> bool {
        false
    }

    pub(crate) fn take_subscribe_unavailable(&self, _client: &Scope) -> bool {
        false
    }

    pub(crate) fn flapping(&self, _client: &Scope) -> bool {
        false
    }
}

#[cfg(feature = "control")]
pub(crate) use redact::inspect;

/// The recorded form of client frames.
#[cfg(feature = "control")]
mod redact {
    use serde_json::Value;

    use crate::monitor::RAW_CAP;

    /// The frame's `type` and its text for the statistics, with any token redacted.
    pub(crate) fn inspect(text: &str) -> (Option<String>, String) {
        let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(text) else {
            return (None, truncate(text).to_owned());
        };
        let kind = obj.get("type").and_then(Value::as_str).map(str::to_owned);
        match obj.get_mut("token") {
            Some(token) if !token.is_null() => {
                *token = Value::from("<redacted>");
                (kind, truncate(&Value::Object(obj).to_string()).to_owned())
            }
            _ => (kind, truncate(text).to_owned()),
        }
    }

    pub(crate) fn truncate(text: &str) -> &str {
        let mut end = text.len().min(RAW_CAP);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tokens_never_reach_the_statistics() {
            let (kind, raw) = inspect(r#"{"type":"hello","protocol":1,"token":"s3cret"}"#);
            assert_eq!(kind.as_deref(), Some("hello"));
            assert!(!raw.contains("s3cret"), "{raw}");
            assert!(raw.contains("<redacted>"));
            let (_, raw) = inspect(r#"{"type":"hello","protocol":1,"token":null}"#);
            assert_eq!(raw, r#"{"type":"hello","protocol":1,"token":null}"#);
        }

        #[test]
        fn truncation_respects_char_boundaries() {
            let s = "é".repeat(RAW_CAP);
            assert!(truncate(&s).len() <= RAW_CAP);
        }
    }
}
