//! What one connection does with each client frame.

use leptos_sync_protocol::{
    ClientMsg, DecodeError, PROTOCOL_VERSION, ServerMsg, close_code, error_code,
};

use std::time::{Duration, Instant};

use super::{Conn, Flow};
use crate::engine::{EngineError, IfAbsent, Join, Start};
use crate::hooks::{Action, Mutation};
use crate::queue::{Out, send};

impl Conn {
    pub(super) fn on_binary(&mut self, len: usize) -> Flow {
        self.record(&format!("<binary {len} bytes>"), false);
        if self.session.is_none() {
            return self.hello_required();
        }
        self.error(
            error_code::BAD_FRAME,
            "binary frames are not part of the protocol".into(),
            None,
            None,
        );
        Flow::Go
    }

    pub(super) async fn on_text(&mut self, text: &str) -> Flow {
        let max = self.app.config.max_frame;
        if text.len() > max {
            self.record(text, false);
            if self.session.is_none() {
                return self.hello_required();
            }
            let message = format!("frame of {} bytes exceeds the limit of {max}", text.len());
            self.error(error_code::TOO_LARGE, message, None, None);
            return Flow::Go;
        }
        self.record(text, true);
        let msg = ClientMsg::decode(text);
        if self.session.is_none() {
            return self.handshake(msg).await;
        }
        match msg {
            Err(e) => self.decode_error(e),
            Ok(ClientMsg::Hello { .. }) => {
                let message = "hello was already answered on this connection".into();
                self.error(error_code::UNEXPECTED_HELLO, message, None, None);
            }
            Ok(ClientMsg::Subscribe {
                sub,
                topic,
                schema,
                since,
                epoch,
            }) => {
                let join = Join {
                    topic: &topic,
                    schema,
                    since,
                    epoch: epoch.as_deref(),
                    if_absent: IfAbsent::Create,
                };
                return self.subscribe(sub, join).await;
            }
            Ok(ClientMsg::Unsubscribe { sub }) => {
                self.floors.remove(&sub);
                if !self.app.fanout.remove(self.id, sub) {
                    let message = format!("no subscription {sub} on this connection");
                    self.error(error_code::UNKNOWN_SUBSCRIPTION, message, None, Some(sub));
                }
            }
            Ok(ClientMsg::Mutate {
                id,
                topic,
                key,
                value,
            }) => return self.mutate(id, &topic, &key, value).await,
            Ok(ClientMsg::Ping { t }) => {
                if self.app.ping(&self.client) {
                    send(&self.tx, &ServerMsg::Pong { t });
                }
            }
            Ok(ClientMsg::Request {
                id,
                method,
                payload,
            }) => self.request(id, method, payload),
        }
        Flow::Go
    }

    async fn handshake(&mut self, msg: Result<ClientMsg, DecodeError>) -> Flow {
        let Ok(ClientMsg::Hello { protocol, token }) = msg else {
            return self.hello_required();
        };
        if protocol != PROTOCOL_VERSION {
            let message = format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}");
            self.error(error_code::UNSUPPORTED_PROTOCOL, message, None, None);
            return Flow::Close(close_code::PROTOCOL_VIOLATION, "unsupported protocol");
        }
        if !self.app.hello(&self.client, self.attempt, token.as_deref()) {
            return Flow::Close(close_code::UNAUTHORIZED, "unauthorized");
        }
        match self.app.hooks.authenticate(token).await {
            Ok(principal) => self.principal = principal,
            Err(reject) => {
                let (code, reason) = reject.close();
                return Flow::Close(code, reason);
            }
        }
        let session = format!("{:x}-{}", self.app.boot, self.id);
        self.app.set_session(self.id, &session);
        self.session = Some(session.clone());
        let connected = crate::Connected {
            conn: self.id,
            session: session.clone(),
            principal: self.principal.clone(),
        };
        crate::events::on_connect(&self.app, connected).await;
        let heartbeat_ms = Some(self.app.config.heartbeat_ms);
        send(
            &self.tx,
            &ServerMsg::Welcome {
                session: session.clone(),
                heartbeat_ms,
            },
        );
        if self.app.flapping(&self.client) {
            // Welcome goes out first (the queue is ordered), then the link dies.
            self.tx.send(Out::Drop);
        }
        // Behind its welcome in the queue, before the client can read it.
        self.app
            .conns
            .register(self.id, &self.principal.id, &session, self.tx.clone());
        Flow::Go
    }

    /// Registers the subscription first, so no change can fall between the
    /// engine's answer and the registration, lets `on_first_subscribe` run
    /// (or waits for it), then asks the engine how it starts, loading a
    /// missing topic first when the app has a loader.
    async fn subscribe(&mut self, sub: u64, join: Join<'_>) -> Flow {
        let max = self.app.config.max_subscriptions;
        if !self.floors.contains_key(&sub) && self.floors.len() >= max {
            let message = format!("a connection holds at most {max} subscriptions");
            self.error(error_code::TOO_MANY_SUBSCRIPTIONS, message, None, Some(sub));
            return Flow::Go;
        }
        let action = Action::Subscribe { topic: join.topic };
        if let Err(reason) = self.app.hooks.authorize(&self.principal, &action) {
            self.error(error_code::FORBIDDEN, reason, None, Some(sub));
            return Flow::Go;
        }
        self.app.fanout.add(self.id, sub, join.topic, &self.tx);
        self.app.lifecycle.subscribed(join.topic).await;
        let joined = if self.app.take_subscribe_unavailable(&self.client) {
            Err(EngineError::Unavailable("injected by /control".into()))
        } else {
            self.app.lifecycle.join(join).await
        };
        let joined = match joined {
            Ok(joined) => joined,
            Err(e) => {
                self.app.fanout.remove(self.id, sub);
                self.floors.remove(&sub);
                let (code, schema) = match e {
                    EngineError::SchemaMismatch { expected } => {
                        (error_code::SCHEMA_MISMATCH, Some(expected))
                    }
                    // `Absent` only for an engine that breaks its contract.
                    EngineError::Unavailable(_) | EngineError::Absent => {
                        (error_code::UNAVAILABLE, None)
                    }
                };
                let message = match schema {
                    Some(expected) => format!(
                        "topic {:?} has schema {expected}, the subscription has {}",
                        join.topic, join.schema
                    ),
                    None => e.to_string(),
                };
                let error = ServerMsg::Error {
                    code: code.to_owned(),
                    message,
                    id: None,
                    sub: Some(sub),
                    schema,
                    retry_after_ms: None,
                };
                send(&self.tx, &error);
                return Flow::Go;
            }
        };
        let seq = joined.seq;
        let recovered = matches!(joined.start, Start::Replay(_));
        let subscribed = ServerMsg::Subscribed {
            sub,
            seq,
            recovered,
            epoch: Some(joined.epoch),
        };
        let mut frames = vec![subscribed.encode()];
        match joined.start {
            Start::Replay(changes) => frames.extend(changes.into_iter().map(|c| {
                let update = ServerMsg::Update {
                    sub,
                    seq: c.seq,
                    key: c.key,
                    value: c.value,
                };
                update.encode()
            })),
            Start::Snapshot(entries) => {
                let snapshot = ServerMsg::Snapshot {
                    sub,
                    seq,
                    schema: join.schema,
                    entries,
                };
                frames.push(snapshot.encode());
            }
        }
        Flow::Joined {
            sub,
            floor: seq,
            frames,
        }
    }

    /// Authorizes, validates (the app may rewrite the value), applies, acks.
    async fn mutate(
        &mut self,
        id: String,
        topic: &str,
        key: &str,
        value: serde_json::Value,
    ) -> Flow {
        if let Err(wait) = self.mutations.admit(&id, Instant::now()) {
            self.rate_limited(id, wait);
            return Flow::Go;
        }
        let hooks = &self.app.hooks;
        let action = Action::Mutate {
            topic,
            key,
            value: &value,
        };
        if let Err(reason) = hooks.authorize(&self.principal, &action) {
            self.error(error_code::FORBIDDEN, reason, Some(id), None);
            return Flow::Go;
        }
        let mutation = Mutation {
            id: &id,
            topic,
            key,
        };
        let value = match hooks.validate(&self.principal, &mutation, value) {
            Ok(value) => value,
            Err(reason) => {
                self.error(error_code::REJECTED, reason, Some(id), None);
                return Flow::Go;
            }
        };
        match self.app.apply(topic, Some(&id), key, value).await {
            Ok(applied) => {
                if self.app.take_drop_before_ack(&self.client) {
                    return Flow::Drop;
                }
                let seq = applied.seq;
                send(&self.tx, &ServerMsg::Ack { id, seq });
            }
            Err(e) => self.error(error_code::UNAVAILABLE, e.to_string(), Some(id), None),
        }
        Flow::Go
    }

    /// `rate_limited`, with the wait in `retry_after_ms`.
    fn rate_limited(&self, id: String, wait: Duration) {
        let per_sec = self.app.config.mutations_per_sec.max(1);
        let error = ServerMsg::Error {
            code: error_code::RATE_LIMITED.to_owned(),
            message: format!("at most {per_sec} mutations a second"),
            id: Some(id),
            sub: None,
            schema: None,
            // Rounded up: a retry at the hinted time must find a token.
            retry_after_ms: Some(super::rate::retry_after_ms(wait)),
        };
        send(&self.tx, &error);
    }

    fn hello_required(&mut self) -> Flow {
        let message = "the first frame of a connection must be hello".into();
        self.error(error_code::HELLO_REQUIRED, message, None, None);
        Flow::Close(close_code::PROTOCOL_VIOLATION, "hello required")
    }

    fn decode_error(&mut self, e: DecodeError) {
        let code = match e {
            DecodeError::Malformed(_) => error_code::BAD_FRAME,
            DecodeError::UnknownType(_) => error_code::UNKNOWN_TYPE,
            DecodeError::InvalidFields { .. } => error_code::INVALID_FIELDS,
        };
        self.error(code, e.to_string(), None, None);
    }

    fn error(&self, code: &str, message: String, id: Option<String>, sub: Option<u64>) {
        let code = code.to_owned();
        send(
            &self.tx,
            &ServerMsg::Error {
                code,
                message,
                id,
                sub,
                schema: None,
                retry_after_ms: None,
            },
        );
    }

    fn record(&self, text: &str, parse: bool) {
        self.app
            .record(&self.client, self.session.clone(), text, parse);
    }
}
