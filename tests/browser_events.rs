//! Server events on the reference server: a registered event reaches
//! `use_sync_event` typed, while its component is mounted; an unknown name
//! is counted and is no error; a payload that does not decode is a typed
//! error; a topic event reaches the topic's subscribers only. The server
//! sends them through `/control/send` (a raw frame to one client) and
//! `/control/event` (routed as an application's `SyncServer::send` would).
#![cfg(target_arch = "wasm32")]

mod support;

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos_sync::{
    SyncComponent, SyncError, SyncEvent, SyncEventMeta, SyncOptions, SyncRegistry,
    use_sync_component, use_sync_event,
};
use serde::Deserialize;
use serde_json::{Value, json};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

item!(RoomA, "t-events-room-a");
item!(RoomB, "t-events-room-b");

#[derive(Debug, Clone, PartialEq, Deserialize, SyncEvent)]
#[sync(name = "note")]
struct Note {
    text: String,
}

/// Another type under the same name; only its type matters.
#[allow(dead_code)]
#[derive(Debug, Clone, PartialEq, Deserialize, SyncEvent)]
#[sync(name = "note")]
struct OtherNote {
    body: String,
}

type Seen = Arc<Mutex<Vec<(Note, SyncEventMeta)>>>;

/// A handler that records what it is called with.
fn record(seen: &Seen) -> impl Fn(&Note, &SyncEventMeta) + 'static {
    let seen = Arc::clone(seen);
    move |note, meta| seen.lock().unwrap().push((note.clone(), meta.clone()))
}

fn texts(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(n, _)| n.text.clone())
        .collect()
}

/// A raw `event` frame to `client`'s connections.
async fn send_frame(client: &str, name: &str, payload: Value) {
    let frame = json!({ "type": "event", "topic": null, "name": name, "payload": payload });
    control_with_body(&format!("send?client={client}"), &frame.to_string()).await;
}

/// An event routed by the server, as `SyncServer::send` does.
async fn send_event(to: Value, text: &str) {
    let event = json!({ "to": to, "name": "note", "payload": { "text": text } });
    let answer = control_with_body("event", &event.to_string()).await;
    assert_eq!(answer, json!({ "sent": true }));
}

/// A provider with `Note` registered: one handler for as long as it is
/// mounted, and one in a child shown while `child` is true.
fn mount_listening(client: &str, always: &Seen, child: RwSignal<bool>, in_child: &Seen) -> Mounted {
    let (always, in_child) = (Arc::clone(always), Arc::clone(in_child));
    let children = move || {
        use_sync_event::<Note>(record(&always));
        let in_child = Arc::clone(&in_child);
        move || {
            child.get().then(|| {
                use_sync_event::<Note>(record(&in_child));
            })
        }
    };
    let registry = SyncRegistry::new().event::<Note>();
    mount_with(&ws_url(client), fast(), true, registry, children)
}

#[wasm_bindgen_test]
async fn a_registered_event_reaches_the_hook_typed_while_its_component_is_mounted() {
    let client = "events-typed";
    control(&format!("reset?client={client}")).await;
    let (always, in_child) = (Seen::default(), Seen::default());
    let child = RwSignal::new(true);
    let m = mount_listening(client, &always, child, &in_child);
    m.wait_open(5_000).await;
    send_frame(client, "note", json!({ "text": "first" })).await;
    wait_until("both handlers got it", 5_000, || {
        texts(&always).len() == 1 && texts(&in_child).len() == 1
    })
    .await;
    assert_eq!(
        always.lock().unwrap()[0],
        (
            Note {
                text: "first".into()
            },
            SyncEventMeta::default()
        )
    );
    // Unmounted, the child's handler is gone; the provider's still runs.
    child.set(false);
    send_frame(client, "note", json!({ "text": "second" })).await;
    wait_until("the second event", 5_000, || texts(&always).len() == 2).await;
    assert_eq!(texts(&in_child), ["first"], "called after unmount");
    assert_eq!(m.ctx.last_error.get_untracked(), None);
    let metrics = m.metrics();
    assert_eq!((metrics.events_received, metrics.events_ignored), (2, 0));
}

#[wasm_bindgen_test]
async fn an_unknown_event_name_is_counted_and_is_not_an_error() {
    let client = "events-unknown";
    control(&format!("reset?client={client}")).await;
    let (always, in_child) = (Seen::default(), Seen::default());
    let m = mount_listening(client, &always, RwSignal::new(false), &in_child);
    m.wait_open(5_000).await;
    send_frame(client, "nobody-knows", json!({ "text": "?" })).await;
    wait_until("the event counted as ignored", 5_000, || {
        m.metrics().events_ignored == 1
    })
    .await;
    // A known one after it arrives: the unknown one was dropped, not queued.
    send_frame(client, "note", json!({ "text": "known" })).await;
    wait_until("the known event", 5_000, || texts(&always) == ["known"]).await;
    assert_eq!(m.ctx.last_error.get_untracked(), None);
    assert_eq!(m.metrics().events_received, 2);
    assert!(m.is_open());
}

#[wasm_bindgen_test]
async fn a_payload_that_does_not_decode_is_a_typed_error_and_the_connection_stays() {
    let client = "events-bad-payload";
    control(&format!("reset?client={client}")).await;
    let (always, in_child) = (Seen::default(), Seen::default());
    let m = mount_listening(client, &always, RwSignal::new(false), &in_child);
    m.wait_open(5_000).await;
    send_frame(client, "note", json!({ "text": 5 })).await;
    wait_until("an error", 5_000, || {
        m.ctx.last_error.get_untracked().is_some()
    })
    .await;
    let error = m.ctx.last_error.get_untracked();
    assert!(
        matches!(&error, Some(SyncError::EventDeserializationFailed { event_name, .. }) if event_name == "note"),
        "{error:?}"
    );
    assert!(
        texts(&always).is_empty(),
        "a handler got an undecodable event"
    );
    assert!(m.is_open());
    assert_eq!(m.metrics().reconnects, 0);
}

#[wasm_bindgen_test]
async fn an_unregistered_event_type_in_the_hook_is_a_typed_error() {
    let mount_hook = |registry: SyncRegistry| {
        let handler = Seen::default();
        let children = move || {
            use_sync_event::<Note>(record(&handler));
        };
        let url = ws_url("events-unregistered");
        mount_with(&url, SyncOptions::default(), false, registry, children)
    };
    let none = mount_hook(SyncRegistry::new());
    assert_eq!(
        none.ctx.last_error.get_untracked(),
        Some(SyncError::TypeNotRegistered {
            component_name: "note".into()
        })
    );
    // Another type holds the name: its payloads could never reach `Note`'s handler.
    let other = mount_hook(SyncRegistry::new().event::<OtherNote>());
    let error = other.ctx.last_error.get_untracked();
    assert!(
        matches!(&error, Some(SyncError::TypeNotRegistered { component_name }) if component_name.starts_with("note (") && component_name.ends_with("Note)")),
        "{error:?}"
    );
}

#[wasm_bindgen_test]
async fn a_topic_event_reaches_only_the_subscribers_of_its_topic() {
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    let mount_room = |client: &str, seen: &Seen, room: &'static str| {
        let seen = Arc::clone(seen);
        let children = move || {
            use_sync_event::<Note>(record(&seen));
            // Subscribed for as long as the provider is mounted.
            match room {
                "a" => {
                    use_sync_component::<RoomA>();
                }
                _ => {
                    use_sync_component::<RoomB>();
                }
            }
        };
        let registry = SyncRegistry::new()
            .register::<RoomA>()
            .register::<RoomB>()
            .event::<Note>();
        mount_with(&ws_url(client), fast(), true, registry, children)
    };
    let a = mount_room("events-room-a", &seen_a, "a");
    let b = mount_room("events-room-b", &seen_b, "b");
    for topic in [RoomA::NAME, RoomB::NAME] {
        wait_for_server("both subscribed", 5_000, || async move {
            !server_subscriptions(&format!("topic={topic}"))
                .await
                .is_empty()
        })
        .await;
    }
    send_event(json!({ "topic": RoomA::NAME }), "in room a").await;
    // Then one to everyone: B's first event must be this one.
    send_event(json!("everyone"), "to all").await;
    wait_until("both got the second event", 5_000, || {
        texts(&seen_a).len() == 2 && texts(&seen_b).len() == 1
    })
    .await;
    let in_a = seen_a.lock().unwrap().clone();
    assert_eq!(in_a[0].0.text, "in room a");
    assert_eq!(in_a[0].1.topic.as_deref(), Some(RoomA::NAME));
    assert_eq!(in_a[1].1.topic, None, "an event to everyone names no topic");
    assert_eq!(texts(&seen_b), ["to all"], "B is not in room a");
    for m in [&a, &b] {
        assert_eq!(m.ctx.last_error.get_untracked(), None);
    }
}
