//! The invariants the harness checks after every step.

use leptos_sync_core::machine::{Event, Timer};
use leptos_sync_core::{Close, ConnectionState};
use leptos_sync_protocol::ClientMsg;

use super::{Harness, Phase, subs};

const TIMERS: [Timer; Timer::ALL.len()] = Timer::ALL;

impl Harness {
    /// A reconnect delay is within the bounds the options give for the close
    /// that caused it (the policy's, or the retry-after range of a 4429 or 1012), and the
    /// options allow this attempt at all (Never, max_attempts).
    pub(super) fn check_delay(&self, attempt: u32, delay: u64, event: Option<&Event>) {
        let close = match event {
            Some(Event::SocketClosed { code, reason }) => Close::new(*code, reason),
            // Timeouts and the like abandon the socket as 1006.
            _ => Close::ABNORMAL,
        };
        let (lo, hi) = self
            .machine
            .options()
            .reconnect
            .next_delay_bounds(attempt, close)
            .unwrap_or_else(|| panic!("retry {attempt} scheduled but the policy gives up"));
        assert!(
            (lo..=hi).contains(&delay),
            "attempt {attempt}: delay {delay} outside [{lo}, {hi}] after {event:?}"
        );
    }

    /// The state agrees with the sockets and the deadlines; every state that
    /// waits for time has a deadline, so time alone moves it on.
    pub(super) fn check_state(&mut self) {
        let state = self.state();
        let live = self.live.map(|k| self.sockets[k].phase);
        let deadline = |t| self.machine.deadline(t);
        assert!(
            self.live.is_none() || self.closing.is_none(),
            "a live socket while another is closing"
        );
        let earliest = TIMERS.into_iter().filter_map(deadline).min();
        assert_eq!(
            self.timer, earliest,
            "poll_timeout is the earliest deadline"
        );
        match &state {
            ConnectionState::Connecting { .. } => match live {
                Some(phase) => {
                    assert_eq!(phase, Phase::Connecting);
                    assert!(deadline(Timer::Connect).is_some(), "no connect timeout");
                }
                // Waiting for the old socket's close event, or its close wait.
                None => {
                    assert!(self.closing.is_some(), "Connecting without a socket");
                    assert!(deadline(Timer::Close).is_some(), "no close wait");
                }
            },
            ConnectionState::Handshaking => {
                assert_eq!(live, Some(Phase::Open));
                assert!(!self.sockets[self.live.unwrap()].welcomed);
                assert!(deadline(Timer::Connect).is_some(), "no connect timeout");
            }
            ConnectionState::Open => {
                assert_eq!(live, Some(Phase::Open), "Open without a live open socket");
                assert!(
                    deadline(Timer::Ping).is_some(),
                    "Open without a ping deadline"
                );
                let sock = &mut self.sockets[self.live.unwrap()];
                assert!(matches!(sock.sent.first(), Some(ClientMsg::Hello { .. })));
                sock.welcomed = true;
                subs::check_settled(&self.machine, sock);
            }
            ConnectionState::Reconnecting { next_at, .. } => {
                assert_eq!(live, None, "Reconnecting with a live socket");
                assert_eq!(deadline(Timer::Reconnect), Some(*next_at));
            }
            ConnectionState::Idle | ConnectionState::Failed { .. } | ConnectionState::Closed => {
                assert_eq!(live, None, "{state:?} with a live socket")
            }
            other => panic!("no invariant for {other:?}: teach the harness this state"),
        }
        if deadline(Timer::Reconnect).is_some() {
            assert!(matches!(state, ConnectionState::Reconnecting { .. }));
        }
        assert_eq!(
            self.machine.metrics().connected_since.is_some(),
            state.is_open(),
            "connected_since only while Open"
        );
        if self.user_closed {
            assert_eq!(state, ConnectionState::Closed);
        }
    }
}
