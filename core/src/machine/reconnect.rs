//! Timers, the heartbeat, and what happens when a socket is lost: retry with
//! backoff, wait for a new token, or give up.

use leptos_sync_protocol::{ClientMsg, close_code};

use super::{Command, Machine, Socket, Timer};
use crate::backoff::Close;
use crate::error::SyncError;
use crate::state::{ConnectionState, DisconnectReason, FailReason, Lifecycle, Millis};

impl Machine {
    /// One timer's deadline passed (see [`Machine::handle_timeout`]).
    pub(super) fn fire(&mut self, timer: Timer, now: Millis) {
        match timer {
            Timer::Reconnect => {
                if matches!(self.state, ConnectionState::Reconnecting { .. }) {
                    self.connect(now);
                }
            }
            // No close event came: forget that socket, so a wanted connect goes ahead.
            Timer::Close => {
                if self.socket == Socket::Closing {
                    self.closed(now);
                }
            }
            Timer::Ping => {
                if self.state.is_open() {
                    self.ping(now);
                }
            }
            Timer::Pong => {
                let timeout_ms = self.opts.pong_timeout_ms;
                self.abandon(
                    SyncError::HeartbeatTimeout { timeout_ms },
                    "heartbeat timeout",
                    DisconnectReason::HeartbeatTimeout,
                    now,
                );
            }
            Timer::Outbox => {
                let open = self.state.is_open();
                let mut out = Vec::new();
                self.subs.retry(now, open, &mut out);
                self.emit(out, now);
                let mut out = Vec::new();
                self.outbox.expire(now, &mut out);
                self.outbox.retry(now, open, &mut out);
                self.emit_outbox(out, now);
            }
            Timer::Request => self.requests_expire(now),
            Timer::Connect => {
                let timeout_ms = self.opts.connect_timeout_ms;
                self.abandon(
                    SyncError::ConnectTimeout { timeout_ms },
                    "connect timeout",
                    DisconnectReason::NetworkError,
                    now,
                );
            }
        }
    }

    pub(super) fn ping(&mut self, now: Millis) {
        self.metrics.pings += 1;
        self.send(ClientMsg::Ping { t: now });
        if self.deadline(Timer::Pong).is_none() {
            self.set_timer(Timer::Pong, now.saturating_add(self.opts.pong_timeout_ms));
        }
        self.set_timer(Timer::Ping, now.saturating_add(self.heartbeat_ms));
    }

    /// Gives up on a socket that looks alive but is not: close it and retry at once with backoff.
    pub(super) fn abandon(
        &mut self,
        error: SyncError,
        reason: &str,
        cause: DisconnectReason,
        now: Millis,
    ) {
        if !matches!(self.socket, Socket::Connecting | Socket::Open { .. }) {
            return;
        }
        self.error(error);
        self.close_socket(close_code::NORMAL, reason, now);
        self.lost(close_code::ABNORMAL, reason.into(), cause, now, false);
    }

    /// The socket is gone: decide between retry, waiting for a new token, and
    /// giving up; `cause` decides. `report` is false when the caller already reported why.
    pub(super) fn lost(
        &mut self,
        code: u16,
        reason: String,
        cause: DisconnectReason,
        now: Millis,
        report: bool,
    ) {
        let was_open = self.state.is_open();
        // A socket given up on still counts until its close event (`abandon`).
        if self.socket != Socket::Closing {
            self.socket = Socket::None;
        }
        self.clear_timers();
        if was_open
            && self.metrics.connected_since.is_some_and(|since| {
                now.saturating_sub(since) >= self.opts.reconnect.stable_uptime_ms
            })
        {
            self.attempt = 0;
        }
        self.metrics.connected_since = None;
        self.metrics.last_close = Some((code, reason.clone()));
        self.metrics.last_disconnect = Some(cause.clone());
        self.data_disconnected(now);
        if was_open {
            self.out
                .push_back(Command::Lifecycle(Lifecycle::Disconnected {
                    code,
                    reason: reason.clone(),
                    cause: cause.clone(),
                }));
        }
        match cause {
            DisconnectReason::AuthRejected => {
                self.error(SyncError::AuthRejected { code });
                self.state = ConnectionState::Failed {
                    reason: FailReason::AuthRejected { code },
                };
                return;
            }
            // The server ended the session on purpose: wait for `open()`.
            DisconnectReason::ServerSaidGoodbye => {
                if code != close_code::NORMAL {
                    self.error(SyncError::Closed {
                        code,
                        reason: reason.clone(),
                    });
                }
                self.state = ConnectionState::Failed {
                    reason: FailReason::ServerSaidGoodbye { code, reason },
                };
                return;
            }
            _ => {}
        }
        if report && code != close_code::NORMAL {
            self.error(SyncError::Closed {
                code,
                reason: reason.clone(),
            });
        }
        self.attempt = self.attempt.saturating_add(1);
        let attempt = self.attempt;
        let close = Close::new(code, &reason);
        let delay = self
            .opts
            .reconnect
            .next_delay(attempt, close, &mut self.random);
        match delay {
            Some(delay_ms) => {
                let next_at = now.saturating_add(delay_ms);
                self.state = ConnectionState::Reconnecting { attempt, next_at };
                self.set_timer(Timer::Reconnect, next_at);
                self.out
                    .push_back(Command::Lifecycle(Lifecycle::Reconnecting {
                        attempt,
                        delay_ms,
                    }));
            }
            None => {
                let attempts = attempt - 1;
                self.error(SyncError::ReconnectExhausted { attempts });
                self.state = ConnectionState::Failed {
                    reason: FailReason::RetriesExhausted { attempts },
                };
            }
        }
    }
}
