//! Server `event` frames: routed to `Command::ServerEvent` when the app
//! handles their name, counted either way, never an error.

mod common;

use std::collections::BTreeSet;

use common::{Harness, errors, has, msg};
use leptos_sync_core::machine::{Command, MachineOptions};
use serde_json::json;

fn connected(events: Option<&[&str]>) -> Harness {
    let opts = MachineOptions {
        events: events.map(|names| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>()),
        ..MachineOptions::default()
    };
    let mut h = Harness::new(opts, 7);
    h.open();
    h.establish(None);
    h
}

fn server_events(cmds: &[Command]) -> Vec<&Command> {
    cmds.iter()
        .filter(|c| matches!(c, Command::ServerEvent { .. }))
        .collect()
}

#[test]
fn a_handled_event_becomes_a_command_with_its_topic_and_payload() {
    let mut h = connected(Some(&["joined"]));
    let cmds = h.frame(&msg(json!({
        "type": "event", "topic": "Board:7", "name": "joined", "payload": { "who": "ana" }
    })));
    assert_eq!(
        server_events(&cmds),
        [&Command::ServerEvent {
            topic: Some("Board:7".into()),
            name: "joined".into(),
            payload: json!({ "who": "ana" }),
        }]
    );
    assert!(errors(&cmds).is_empty(), "{cmds:?}");
    let m = h.machine.metrics();
    assert_eq!((m.events_received, m.events_ignored), (1, 0));
}

#[test]
fn an_unknown_event_name_is_counted_and_dropped_without_an_error() {
    let mut h = connected(Some(&["joined"]));
    let cmds = h.raw(r#"{"type":"event","topic":null,"name":"left","payload":1}"#);
    assert!(server_events(&cmds).is_empty(), "{cmds:?}");
    assert!(errors(&cmds).is_empty(), "{cmds:?}");
    assert!(h.machine.state().is_open());
    let m = h.machine.metrics();
    assert_eq!((m.events_received, m.events_ignored), (1, 1));
}

#[test]
fn without_a_list_of_names_every_event_is_passed_on() {
    let mut h = connected(None);
    for name in ["a", "b", "c"] {
        let cmds = h.frame(&msg(
            json!({ "type": "event", "topic": null, "name": name, "payload": null }),
        ));
        assert!(has(
            &cmds,
            |c| matches!(c, Command::ServerEvent { name: n, .. } if n == name)
        ));
    }
    let m = h.machine.metrics();
    assert_eq!((m.events_received, m.events_ignored), (3, 0));
}

#[test]
fn an_event_frame_without_a_name_is_a_malformed_frame_and_the_connection_stays() {
    let mut h = connected(Some(&["joined"]));
    let cmds = h.raw(r#"{"type":"event","topic":null,"payload":1}"#);
    assert!(
        matches!(&errors(&cmds)[..], [leptos_sync_core::SyncError::MalformedFrame { error }] if error.contains("event")),
        "{cmds:?}"
    );
    assert!(h.machine.state().is_open());
    assert_eq!(h.machine.metrics().events_received, 0, "not an event");
}
