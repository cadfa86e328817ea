//! Requests as the scenario tests make and answer them, and the invariants
//! the harness checks on every request command:
//! - a request id goes out at most once per socket;
//! - a request has exactly one final status, and nothing after it.

use std::collections::HashSet;

use leptos_sync_core::machine::{Command, Event};
use leptos_sync_core::requests::{Request, RequestPolicy, RequestStatus};
use leptos_sync_protocol::ClientMsg;
use serde_json::json;

use super::{Harness, Socket, msg};

/// What the harness has seen of requests.
#[derive(Debug, Default)]
pub struct Seen {
    /// Ids with a final status.
    pub finished: HashSet<String>,
}

impl Seen {
    pub fn check(&mut self, cmd: &Command) {
        if let Command::Request { id, status } = cmd {
            assert!(
                !self.finished.contains(id),
                "request {id} got {status:?} after its final status"
            );
            if status.is_final() {
                self.finished.insert(id.clone());
            }
        }
    }
}

/// A request frame on `sock`: never the same id twice on one socket.
pub fn check_send(k: usize, sock: &Socket, msg: &ClientMsg) {
    if let ClientMsg::Request { id, .. } = msg {
        let before = sock
            .sent
            .iter()
            .filter(|m| matches!(m, ClientMsg::Request { id: i, .. } if i == id))
            .count();
        assert_eq!(before, 0, "request {id} sent twice on socket {k}");
    }
}

/// Makes a request of `method` with `policy` and `timeout_ms`; returns its id.
pub fn request(
    h: &mut Harness,
    method: &str,
    policy: RequestPolicy,
    timeout_ms: Option<u64>,
) -> (String, Vec<Command>) {
    let id = h.machine.mutation_id();
    let cmds = h.handle(Event::Request(Request {
        id: id.clone(),
        method: method.into(),
        payload: json!({ "n": 1 }),
        timeout_ms,
        policy,
    }));
    (id, cmds)
}

/// The server answers request `id` with `result`.
pub fn respond(h: &mut Harness, id: &str, result: serde_json::Value) -> Vec<Command> {
    h.frame(&msg(
        json!({"type": "response", "id": id, "result": result}),
    ))
}

/// The server answers request `id` with an error.
pub fn respond_error(h: &mut Harness, id: &str, code: &str, message: &str) -> Vec<Command> {
    h.frame(&msg(
        json!({"type": "response", "id": id, "error": {"code": code, "message": message}}),
    ))
}

/// The statuses `cmds` report for request `of`.
pub fn statuses(cmds: &[Command], of: &str) -> Vec<RequestStatus> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Request { id, status } if id == of => Some(status.clone()),
            _ => None,
        })
        .collect()
}

/// Ids of the `request` frames sent on the live socket, in order.
pub fn sent_ids(h: &Harness) -> Vec<String> {
    h.sockets[h.live.expect("a live socket")]
        .sent
        .iter()
        .filter_map(|m| match m {
            ClientMsg::Request { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}
