//! Incoming frames: handshake, heartbeat answers, and routing to the
//! subscription table and the outbox.

use leptos_sync_protocol::{DecodeError, ServerMsg, error_code};

use super::{Command, Machine, Socket, Timer};
use crate::error::SyncError;
use crate::machine::{DEFAULT_HEARTBEAT_MS, MAX_SERVER_HEARTBEAT_MS, MIN_SERVER_HEARTBEAT_MS};
use crate::state::{ConnectionState, Lifecycle, Millis};

impl Machine {
    pub(super) fn frame(&mut self, text: &str, now: Millis) {
        if !self.received() {
            return;
        }
        let msg = match ServerMsg::decode(text) {
            Ok(msg) => msg,
            Err(DecodeError::UnknownType(kind)) => {
                return self.error(SyncError::UnknownMessage { kind });
            }
            Err(e) => {
                return self.error(SyncError::MalformedFrame {
                    error: e.to_string(),
                });
            }
        };
        match msg {
            ServerMsg::Welcome { heartbeat_ms, .. }
                if self.state == ConnectionState::Handshaking =>
            {
                self.heartbeat_ms = self
                    .opts
                    .heartbeat_interval_ms
                    // A server can neither make the client ping more than once
                    // a second, nor switch dead-link detection off.
                    .or(heartbeat_ms
                        .filter(|ms| *ms > 0)
                        .map(|ms| ms.clamp(MIN_SERVER_HEARTBEAT_MS, MAX_SERVER_HEARTBEAT_MS)))
                    .unwrap_or(DEFAULT_HEARTBEAT_MS);
                self.clear_timer(Timer::Connect);
                self.state = ConnectionState::Open;
                self.metrics.connected_since = Some(now);
                // `heartbeat_ms` comes from the server: saturate, or a huge value
                // overflows (a panic in debug, a timer in the past and a ping storm in release).
                self.set_timer(Timer::Ping, now.saturating_add(self.heartbeat_ms));
                let event = if self.ever_opened {
                    self.metrics.reconnects += 1;
                    Lifecycle::Reconnected {
                        attempts: self.attempt,
                    }
                } else {
                    Lifecycle::Connected
                };
                self.ever_opened = true;
                self.out.push_back(Command::Lifecycle(event));
                // Subscriptions go after `welcome`, each exactly once per connection.
                let mut out = Vec::new();
                self.subs.on_open(&mut out);
                self.emit(out, now);
                // Then the outbox: re-sent mutations first, then the queue, in order.
                let mut out = Vec::new();
                self.outbox.on_open(now, &mut out);
                self.emit_outbox(out, now);
                self.requests_opened(now);
            }
            ServerMsg::Welcome { .. } => self.error(SyncError::MalformedFrame {
                error: "unexpected welcome".into(),
            }),
            ServerMsg::Pong { t } => self.metrics.rtt_ms = Some(now.saturating_sub(t)),
            ServerMsg::Error {
                id: Some(id),
                sub: None,
                code,
                message,
                retry_after_ms,
                ..
            } => {
                let error = SyncError::for_mutation(&id, code, message, retry_after_ms);
                self.error(error.clone());
                let mut out = Vec::new();
                self.outbox.on_error(&id, error, now, &mut out);
                self.emit_outbox(out, now);
            }
            ServerMsg::Error {
                id: None,
                sub: None,
                code,
                message,
                ..
            } if code == error_code::UNKNOWN_TYPE && self.requests_unknown(&message, now) => {}
            ServerMsg::Error {
                sub: None,
                code,
                message,
                ..
            } => self.error(SyncError::from_server(code, message)),
            ServerMsg::Ack { id, seq } => {
                let mut out = Vec::new();
                if !self.outbox.on_ack(&id, seq, &mut out) {
                    self.error(SyncError::UnknownAck { id });
                }
                self.emit_outbox(out, now);
            }
            ServerMsg::Response { id, result, error } => self.response(id, result, error, now),
            msg @ (ServerMsg::Subscribed { .. }
            | ServerMsg::Snapshot { .. }
            | ServerMsg::Update { .. }
            | ServerMsg::Error { .. }) => {
                let mut out = Vec::new();
                self.subs.on_message(msg, now, &mut out);
                self.emit(out, now);
            }
            ServerMsg::Event {
                topic,
                name,
                payload,
            } => self.server_event(topic, name, payload),
        }
    }

    /// A binary frame: the protocol is text only, so it is reported and
    /// counted, never parsed. It still proves the link alive.
    pub(super) fn binary_frame(&mut self, bytes: usize) {
        if self.received() {
            self.metrics.binary_frames += 1;
            self.error(SyncError::BinaryFrame { bytes });
        }
    }

    /// Counts a frame of the open socket; false for a frame of no open socket.
    fn received(&mut self) -> bool {
        if !matches!(self.socket, Socket::Open { .. }) {
            return false;
        }
        self.metrics.received += 1;
        // Any frame proves the link is alive: the pong deadline is armed from the receive path.
        if self.deadline(Timer::Pong).is_some() {
            self.clear_timer(Timer::Pong);
        }
        true
    }
}
