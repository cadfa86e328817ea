//! The machine's side of requests: routing events, frames and the
//! [`Timer::Request`] deadline to the [`Requests`](crate::requests) table.

use leptos_sync_protocol::ResponseError;
use serde_json::Value;

use super::{Command, Machine, Timer};
use crate::error::SyncError;
use crate::requests::{Request, RequestOut};
use crate::state::Millis;

impl Machine {
    pub(super) fn request(&mut self, request: Request, now: Millis) {
        let mut out = Vec::new();
        let open = self.state.is_open();
        self.requests.push(request, open, now, &mut out);
        self.emit_requests(out, now);
    }

    /// After `welcome`, subscriptions and outbox: the waiting requests go out.
    pub(super) fn requests_opened(&mut self, now: Millis) {
        let mut out = Vec::new();
        self.requests.on_open(&mut out);
        self.emit_requests(out, now);
    }

    pub(super) fn requests_closed(&mut self, now: Millis) {
        let mut out = Vec::new();
        self.requests.on_close(&mut out);
        self.emit_requests(out, now);
    }

    pub(super) fn response(
        &mut self,
        id: String,
        result: Option<Value>,
        error: Option<ResponseError>,
        now: Millis,
    ) {
        let mut out = Vec::new();
        if !self.requests.on_response(&id, result, error, &mut out) {
            self.error(SyncError::UnknownResponse { id });
        }
        self.emit_requests(out, now);
    }

    /// An `unknown_type` error about no frame in particular: if a request is
    /// on the wire, the server does not know requests. False when none is.
    pub(super) fn requests_unknown(&mut self, message: &str, now: Millis) -> bool {
        let mut out = Vec::new();
        let taken = self.requests.on_unknown_type(message.to_string(), &mut out);
        self.emit_requests(out, now);
        taken
    }

    /// [`Timer::Request`]: the requests past their deadline fail.
    pub(super) fn requests_expire(&mut self, now: Millis) {
        let mut out = Vec::new();
        self.requests.expire(now, &mut out);
        self.emit_requests(out, now);
    }

    fn emit_requests(&mut self, out: Vec<RequestOut>, now: Millis) {
        for item in out {
            match item {
                RequestOut::Send(msg) => self.send(msg),
                RequestOut::Status(id, status) => {
                    self.out.push_back(Command::Request { id, status })
                }
                RequestOut::Error(error) => self.error(error),
            }
        }
        match self.requests.next_deadline() {
            Some(at) => self.set_timer(Timer::Request, at.max(now)),
            None => self.clear_timer(Timer::Request),
        }
    }

    /// How many requests are open: waiting for a connection, or sent and
    /// waiting for their response.
    ///
    /// ```
    /// use leptos_sync_core::requests::{Request, RequestPolicy};
    /// use leptos_sync_core::{Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// let request = Request { id: "r1".into(), method: "m".into(), payload: serde_json::Value::Null, timeout_ms: None, policy: RequestPolicy::Replay };
    /// machine.handle(Event::Request(request), 0);
    /// assert_eq!(machine.open_requests(), 1);
    /// ```
    pub fn open_requests(&self) -> usize {
        self.requests.len()
    }
}
