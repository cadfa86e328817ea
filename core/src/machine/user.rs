//! The app's own wishes: `open()` and `close()`.

use leptos_sync_protocol::close_code;

use super::{Command, Machine, Socket};
use crate::state::{ConnectionState, DisconnectReason, FailReason, Lifecycle, Millis};

impl Machine {
    pub(super) fn user_open(&mut self, now: Millis) {
        match self.state {
            ConnectionState::Failed {
                reason: FailReason::InvalidUrl,
            } => {}
            ConnectionState::Idle | ConnectionState::Closed | ConnectionState::Failed { .. } => {
                self.attempt = 0;
                self.connect(now);
            }
            // "Retry now": connect at once, but keep the attempt count.
            ConnectionState::Reconnecting { .. } => self.connect(now),
            ConnectionState::Connecting { .. }
            | ConnectionState::Handshaking
            | ConnectionState::Open => {}
        }
    }

    pub(super) fn user_close(&mut self, now: Millis) {
        self.clear_timers();
        if self.state.is_open() {
            self.metrics.last_disconnect = Some(DisconnectReason::UserRequested);
            self.out
                .push_back(Command::Lifecycle(Lifecycle::Disconnected {
                    code: close_code::NORMAL,
                    reason: "client closed".into(),
                    cause: DisconnectReason::UserRequested,
                }));
        }
        if matches!(self.socket, Socket::Connecting | Socket::Open { .. }) {
            self.close_socket(close_code::NORMAL, "client closed", now);
        }
        self.metrics.connected_since = None;
        self.state = ConnectionState::Closed;
        self.data_disconnected(now);
    }
}
