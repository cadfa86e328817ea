//! Mutations as the scenario tests make and answer them.

use leptos_sync_core::machine::{Command, Event};
use leptos_sync_core::outbox::{Mutation, MutationStatus};
use leptos_sync_protocol::ClientMsg;
use serde_json::json;

use super::{Harness, harness, msg};

/// An open connection with the default options.
pub fn connected() -> Harness {
    let mut h = harness();
    h.open();
    h.establish(None);
    h
}

/// Makes a mutation of `key` on topic "t"; returns its id.
pub fn mutate(h: &mut Harness, key: &str) -> String {
    let id = h.machine.mutation_id();
    h.handle(Event::Mutate(Mutation {
        id: id.clone(),
        topic: "t".into(),
        key: key.into(),
        value: json!({ "title": key }),
        expires_in_ms: None,
    }));
    id
}

/// The server acknowledges mutation `id` at `seq`.
pub fn ack(h: &mut Harness, id: &str, seq: u64) -> Vec<Command> {
    h.frame(&msg(json!({"type": "ack", "id": id, "seq": seq})))
}

/// The statuses `cmds` report for mutation `of`.
pub fn statuses(cmds: &[Command], of: &str) -> Vec<MutationStatus> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Mutation { id, status } if id == of => Some(status.clone()),
            _ => None,
        })
        .collect()
}

/// Ids of the `mutate` frames sent on the live socket, in order.
pub fn sent_ids(h: &Harness) -> Vec<String> {
    h.sockets[h.live.expect("a live socket")]
        .sent
        .iter()
        .filter_map(|m| match m {
            ClientMsg::Mutate { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}
