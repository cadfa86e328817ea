//! Requests: calls of server methods, each answered by one `response`.
//!
//! Every request has a deadline on the machine's clock, from when it was
//! made (connected or not); the machine keeps one timer,
//! [`Timer::Request`](crate::Timer::Request), for the earliest. What a
//! dropped connection does is the request's [`RequestPolicy`]: fail at once,
//! or wait and replay with the same id after the next `welcome` (after the
//! subscriptions and the outbox), which the server runs at most once.
//!
//! The open requests are bounded by [`MAX_OPEN_REQUESTS`]: one more fails at
//! once with [`SyncError::TooManyRequests`] and nothing open is dropped.
//!
//! A server that predates requests answers each with an `error` frame of code
//! `unknown_type` and no id; it answers frames in order, so the machine fails
//! the oldest request on the wire with [`SyncError::RequestFailed`] of that code.
//!
//! ```
//! use leptos_sync_core::requests::{Request, RequestPolicy};
//! use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! let request = Request { id: "r1".into(), method: "summary".into(), payload: serde_json::Value::Null, timeout_ms: Some(2_000), policy: RequestPolicy::Replay };
//! // Offline: it waits for a connection, and fails at 2 s if none comes.
//! machine.handle(Event::Request(request), 100);
//! assert_eq!(machine.deadline(Timer::Request), Some(2_100));
//! ```

use std::collections::VecDeque;

use leptos_sync_protocol::{ClientMsg, ResponseError, error_code};
use serde_json::Value;

use crate::backoff::MAX_DELAY_MS;
use crate::error::SyncError;
use crate::machine::MIN_TIMEOUT_MS;
use crate::state::Millis;
use crate::validate::Check;

mod types;

pub use types::{Request, RequestPolicy, RequestStatus};

/// The timeout of a request that sets none (30 s).
///
/// ```
/// use leptos_sync_core::requests::{DEFAULT_REQUEST_TIMEOUT_MS, Request};
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let request = Request { id: "r1".into(), method: "m".into(), payload: serde_json::Value::Null, timeout_ms: None, policy: Default::default() };
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::Request(request), 0);
/// assert_eq!(machine.deadline(Timer::Request), None, "failed at once: not connected");
/// # assert_eq!(DEFAULT_REQUEST_TIMEOUT_MS, 30_000);
/// ```
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;

/// Most requests open at once (waiting or sent). One more fails at once with
/// [`SyncError::TooManyRequests`]; none of the open ones is dropped.
///
/// ```
/// assert_eq!(leptos_sync_core::requests::MAX_OPEN_REQUESTS, 256);
/// ```
pub const MAX_OPEN_REQUESTS: usize = 256;

/// Ids of finished requests remembered, so that a late response (after a
/// timeout, or the second answer to a replay) is not reported as unknown.
const RECENT: usize = 256;

#[derive(Debug)]
struct Open {
    request: Request,
    deadline: Millis,
    /// Sent on the current connection.
    sent: bool,
}

/// What the requests ask of the machine.
#[derive(Debug)]
pub(crate) enum RequestOut {
    Send(ClientMsg),
    Status(String, RequestStatus),
    Error(SyncError),
}

/// The open requests, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    open: VecDeque<Open>,
    recent: VecDeque<String>,
}

impl Requests {
    /// A new request: sent now when `connected`, else waiting or failed by its policy.
    pub fn push(
        &mut self,
        mut request: Request,
        connected: bool,
        now: Millis,
        out: &mut Vec<RequestOut>,
    ) {
        let mut timeout_ms = request.timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
        let mut check = Check::default();
        check.within(
            "request.timeout_ms",
            &mut timeout_ms,
            MIN_TIMEOUT_MS,
            MAX_DELAY_MS,
        );
        out.extend(check.errors.into_iter().map(RequestOut::Error));
        request.timeout_ms = Some(timeout_ms);
        let refused = if self.open.len() >= MAX_OPEN_REQUESTS {
            Some(SyncError::TooManyRequests {
                method: request.method.clone(),
                max_open: MAX_OPEN_REQUESTS,
            })
        } else if !connected && request.policy == RequestPolicy::FailOnDisconnect {
            Some(SyncError::RequestInterrupted {
                method: request.method.clone(),
                sent: false,
            })
        } else {
            None
        };
        if let Some(error) = refused {
            self.finish(request.id, RequestStatus::Failed { error }, out);
            return;
        }
        let mut open = Open {
            request,
            deadline: now.saturating_add(timeout_ms),
            sent: false,
        };
        let status = if connected {
            open.send(out);
            RequestStatus::Sent
        } else {
            RequestStatus::Waiting
        };
        out.push(RequestOut::Status(open.request.id.clone(), status));
        self.open.push_back(open);
    }

    /// After `welcome`: every open request goes out, oldest first.
    pub fn on_open(&mut self, out: &mut Vec<RequestOut>) {
        for open in self.open.iter_mut().filter(|o| !o.sent) {
            open.send(out);
            out.push(RequestOut::Status(
                open.request.id.clone(),
                RequestStatus::Sent,
            ));
        }
    }

    /// The connection is gone: each request fails or waits, by its policy.
    pub fn on_close(&mut self, out: &mut Vec<RequestOut>) {
        let mut failed = Vec::new();
        self.open.retain_mut(|open| match open.request.policy {
            RequestPolicy::FailOnDisconnect => {
                failed.push((
                    open.request.id.clone(),
                    open.request.method.clone(),
                    open.sent,
                ));
                false
            }
            RequestPolicy::Replay => {
                if open.sent {
                    open.sent = false;
                    out.push(RequestOut::Status(
                        open.request.id.clone(),
                        RequestStatus::Waiting,
                    ));
                }
                true
            }
        });
        for (id, method, sent) in failed {
            let error = SyncError::RequestInterrupted { method, sent };
            self.finish(id, RequestStatus::Failed { error }, out);
        }
    }

    /// A `response`: false when no request of this machine had its id.
    pub fn on_response(
        &mut self,
        id: &str,
        result: Option<Value>,
        error: Option<ResponseError>,
        out: &mut Vec<RequestOut>,
    ) -> bool {
        let Some(at) = self.open.iter().position(|o| o.request.id == id) else {
            return self.recent.iter().any(|r| r == id);
        };
        let open = self.open.remove(at).expect("found above");
        let status = match error {
            Some(ResponseError { code, message }) => RequestStatus::Failed {
                error: SyncError::RequestFailed {
                    method: open.request.method,
                    code,
                    message,
                },
            },
            None => RequestStatus::Done {
                result: result.unwrap_or(Value::Null),
            },
        };
        self.finish(open.request.id, status, out);
        true
    }

    /// An `unknown_type` error with no id: a server without requests answered
    /// the oldest one on the wire. False when none is on the wire.
    pub fn on_unknown_type(&mut self, message: String, out: &mut Vec<RequestOut>) -> bool {
        let Some(at) = self.open.iter().position(|o| o.sent) else {
            return false;
        };
        let open = self.open.remove(at).expect("found above");
        let error = SyncError::RequestFailed {
            method: open.request.method,
            code: error_code::UNKNOWN_TYPE.into(),
            message,
        };
        self.finish(open.request.id, RequestStatus::Failed { error }, out);
        true
    }

    /// Fails every request whose deadline is at or before `now`.
    pub fn expire(&mut self, now: Millis, out: &mut Vec<RequestOut>) {
        let mut expired = Vec::new();
        self.open.retain(|open| {
            let keep = open.deadline > now;
            if !keep {
                let timeout_ms = open.request.timeout_ms.unwrap_or_default();
                expired.push((
                    open.request.id.clone(),
                    open.request.method.clone(),
                    timeout_ms,
                ));
            }
            keep
        });
        for (id, method, timeout_ms) in expired {
            let error = SyncError::RequestTimeout { method, timeout_ms };
            self.finish(id, RequestStatus::Failed { error }, out);
        }
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.open.iter().map(|o| o.deadline).min()
    }

    /// The clock stepped back by `back`: the deadlines keep their distance.
    pub fn shift_back(&mut self, back: Millis) {
        for open in &mut self.open {
            open.deadline = open.deadline.saturating_sub(back);
        }
    }

    /// How many requests are open (waiting or sent).
    pub fn len(&self) -> usize {
        self.open.len()
    }

    fn finish(&mut self, id: String, status: RequestStatus, out: &mut Vec<RequestOut>) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(id.clone());
        out.push(RequestOut::Status(id, status));
    }
}

impl Open {
    fn send(&mut self, out: &mut Vec<RequestOut>) {
        self.sent = true;
        out.push(RequestOut::Send(ClientMsg::Request {
            id: self.request.id.clone(),
            method: self.request.method.clone(),
            payload: self.request.payload.clone(),
        }));
    }
}
