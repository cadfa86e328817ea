//! Scripting the data: topics, subscriptions and mutations of a [`MockServer`].

use leptos_sync_protocol::ServerMsg;
use serde::Serialize;
use serde_json::Value;

use super::MockServer;
use super::transport::{MockMutation, Topic, lock};

/// The epoch of every topic the mock serves.
const EPOCH: &str = "mock";

impl MockServer {
    /// Sets the entries of `topic`, then answers the client's subscription
    /// to it: `subscribed` and a `snapshot` of every entry.
    ///
    /// # Panics
    /// When the client has no subscription to `topic` on the open socket, or
    /// a value does not serialize to JSON.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.snapshot("Task", [("t1", serde_json::json!({ "title": "Write tests" }))]);
    /// # }
    /// ```
    #[track_caller]
    pub fn snapshot<K: Into<String>, T: Serialize>(
        &self,
        topic: &str,
        entries: impl IntoIterator<Item = (K, T)>,
    ) {
        let entries = entries
            .into_iter()
            .map(|(key, value)| (key.into(), json(&value)))
            .collect();
        lock(&self.state)
            .topics
            .entry(topic.into())
            .or_default()
            .entries = entries;
        self.answer(topic);
    }

    /// Answers the client's subscription to `topic` from the model (empty
    /// unless set): `subscribed`, then a `snapshot`.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.close(1006, "");
    /// server.advance(1_000).await; // the client resubscribes
    /// server.answer("Task"); // with what the model holds
    /// # }
    /// ```
    #[track_caller]
    pub fn answer(&self, topic: &str) {
        let (sub, schema) = self.sub(topic);
        let (seq, entries) = {
            let mut s = lock(&self.state);
            let t = s.topics.entry(topic.into()).or_default();
            (t.seq, t.entries.clone())
        };
        self.send(ServerMsg::Subscribed {
            sub,
            seq,
            recovered: false,
            epoch: Some(EPOCH.into()),
        });
        self.send(ServerMsg::Snapshot {
            sub,
            seq,
            schema,
            entries,
        });
    }

    /// Refuses the client's subscription to `topic` with an `error` of `code`.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.refuse("Task", "forbidden", "not yours");
    /// # }
    /// ```
    #[track_caller]
    pub fn refuse(&self, topic: &str, code: &str, message: &str) {
        let (sub, _) = self.sub(topic);
        let mut frame = error(code, message, None);
        if let ServerMsg::Error { sub: s, .. } = &mut frame {
            *s = Some(sub);
        }
        self.send(frame);
    }

    /// Changes one entry of `topic` (`None` removes it) and pushes the
    /// `update` to the client's subscription, if it has one.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.update("Task", "t2", Some(serde_json::json!({ "title": "Ship it" })));
    /// server.update::<()>("Task", "t1", None); // removed
    /// # }
    /// ```
    #[track_caller]
    pub fn update<T: Serialize>(&self, topic: &str, key: &str, value: Option<T>) {
        let value = value.map_or(Value::Null, |v| json(&v));
        let seq = self.apply(topic, key, value.clone());
        let sub = lock(&self.state).subs.get(topic).map(|(sub, _)| *sub);
        if let Some(sub) = sub {
            self.send(ServerMsg::Update {
                sub,
                seq,
                key: key.into(),
                value,
            });
        }
    }

    /// Applies the client's mutation `id`, as a real server does: the
    /// `update` to the topic's subscribers, then the `ack`.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// let id = server.mutations()[0].id.clone();
    /// server.ack(&id);
    /// # }
    /// ```
    #[track_caller]
    pub fn ack(&self, id: &str) {
        let m = self.take_mutation(id);
        let seq = {
            let sub = lock(&self.state).subs.get(&m.topic).map(|(sub, _)| *sub);
            let seq = self.apply(&m.topic, &m.key, m.value.clone());
            if let Some(sub) = sub {
                self.send(ServerMsg::Update {
                    sub,
                    seq,
                    key: m.key,
                    value: m.value,
                });
            }
            seq
        };
        self.send(ServerMsg::Ack { id: m.id, seq });
    }

    /// Refuses the client's mutation `id` with an `error` of `code` (for
    /// example `"rejected"` or `"forbidden"`): the mutation fails.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// let id = server.mutations()[0].id.clone();
    /// server.reject(&id, "rejected", "titles must not be empty");
    /// # }
    /// ```
    #[track_caller]
    pub fn reject(&self, id: &str, code: &str, message: &str) {
        let m = self.take_mutation(id);
        self.send(error(code, message, Some(m.id)));
    }

    #[track_caller]
    fn sub(&self, topic: &str) -> (u64, u32) {
        let s = lock(&self.state);
        match s.subs.get(topic) {
            Some(sub) => *sub,
            None => panic!(
                "MockServer: the client has no subscription to {topic:?} on the open socket (it has {:?})",
                s.subs.keys().collect::<Vec<_>>()
            ),
        }
    }

    #[track_caller]
    fn take_mutation(&self, id: &str) -> MockMutation {
        let mut s = lock(&self.state);
        let Some(i) = s.mutations.iter().position(|m| m.id == id) else {
            panic!(
                "MockServer: no mutation {id:?} waits for an answer (waiting: {:?})",
                s.mutations.iter().map(|m| &m.id).collect::<Vec<_>>()
            );
        };
        s.mutations.remove(i)
    }

    /// Applies a change to the model; returns its seq.
    fn apply(&self, topic: &str, key: &str, value: Value) -> u64 {
        let mut s = lock(&self.state);
        let t: &mut Topic = s.topics.entry(topic.into()).or_default();
        t.seq += 1;
        if value.is_null() {
            t.entries.remove(key);
        } else {
            t.entries.insert(key.into(), value);
        }
        t.seq
    }
}

pub(super) fn error(code: &str, message: &str, id: Option<String>) -> ServerMsg {
    ServerMsg::Error {
        code: code.into(),
        message: message.into(),
        id,
        sub: None,
        schema: None,
        retry_after_ms: None,
    }
}

#[track_caller]
fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| panic!("MockServer: a value does not serialize to JSON: {e}"))
}
