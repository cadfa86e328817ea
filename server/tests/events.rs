//! Server events through the wire, on two nodes sharing an engine: to one
//! connection, to a principal's connections, to a topic's subscribers, to
//! everyone, and the `on_connect` hook that announces a newcomer to the others.
//!
//! "X does not get it" is checked without waiting for nothing: a marker
//! event to everyone follows, and X's next event must be the marker.

mod redis_support;

use std::sync::{Arc, Mutex};

use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::testing::TestClient;
use leptos_sync_server::{
    ConnId, Engine, EventTarget, IfAbsent, Principal, Server, ServerEvent, SyncServer,
};
use redis_support::TestEngine;
use serde_json::{Value, json};

/// A node whose tokens are principal ids, that records each connection
/// and tells everyone else about it.
async fn node(engine: &TestEngine, seen: Arc<Mutex<Vec<(ConnId, String)>>>) -> Server {
    engine
        .builder()
        .authenticate(|token| async move { Ok(Principal::new(token.unwrap_or_default())) })
        .on_connect(move |sync, conn| {
            seen.lock().unwrap().push((conn.conn, conn.session.clone()));
            async move {
                let payload = json!({ "session": conn.session, "who": conn.principal.id });
                let joined = ServerEvent {
                    to: EventTarget::Everyone,
                    name: "joined".into(),
                    payload,
                    except: Some(conn.session),
                };
                sync.send(joined).await.expect("the engine relays events");
            }
        })
        .build()
        .serve("127.0.0.1:0")
        .await
        .expect("the node serves")
}

async fn client(server: &Server, who: &str) -> (TestClient, String) {
    let url = format!("ws://{}/ws", server.local_addr());
    let mut c = TestClient::connect(&url).await.expect("connects");
    let session = c.hello(Some(who)).await.expect("welcomed");
    (c, session)
}

/// The next `event` frame but `joined` (the nodes announce every
/// connection): (topic, name, payload).
async fn next_event(c: &mut TestClient) -> (Option<String>, String, Value) {
    c.recv_until("an event", |m| match m {
        ServerMsg::Event {
            topic,
            name,
            payload,
        } if name != "joined" => Some((topic.clone(), name.clone(), payload.clone())),
        _ => None,
    })
    .await
    .expect("an event in time")
}

/// The payload of the next `joined` event.
async fn next_joined(c: &mut TestClient) -> Value {
    c.recv_until("joined", |m| match m {
        ServerMsg::Event { name, payload, .. } if name == "joined" => Some(payload.clone()),
        _ => None,
    })
    .await
    .expect("joined in time")
}

/// Subscribes each client to "T" and waits for a change that an engine of
/// no node applies: each client's node got it through its relay (Redis
/// pub/sub), whose event channel is subscribed before any topic's, so every
/// node hears events from now on.
async fn all_live(engine: &TestEngine, clients: &mut [&mut TestClient]) {
    for c in clients.iter_mut() {
        c.subscribe(99, "T", 1, None).await.expect("subscribed");
    }
    let outsider = engine.engine();
    let applied = outsider.apply("T", None, "k", json!(1), IfAbsent::Create);
    let seq = applied.await.expect("applied").seq;
    for c in clients.iter_mut() {
        c.recv_until("the update", |m| match m {
            ServerMsg::Update { seq: s, .. } if *s == seq => Some(()),
            _ => None,
        })
        .await
        .expect("the update in time");
    }
}

async fn marker(sync: &SyncServer) {
    sync.send_event(EventTarget::Everyone, "marker", Value::Null)
        .await
        .expect("sent");
}

async fn topic_events_reach_only_the_topics_subscribers_on_every_node(engine: TestEngine) {
    let seen = Arc::default();
    let (a, b) = (
        node(&engine, Arc::clone(&seen)).await,
        node(&engine, seen).await,
    );
    let (mut a1, _) = client(&a, "ana").await;
    let (mut b1, _) = client(&b, "bob").await;
    let (mut b2, _) = client(&b, "cy").await;
    all_live(&engine, &mut [&mut a1, &mut b1, &mut b2]).await;
    // a1 holds two subscriptions of the topic, and gets the event once.
    for sub in [1, 2] {
        a1.subscribe(sub, "Room:1", 1, None)
            .await
            .expect("subscribed");
    }
    b1.subscribe(1, "Room:1", 1, None)
        .await
        .expect("subscribed");
    b2.subscribe(1, "Room:2", 1, None)
        .await
        .expect("subscribed");
    let payload = json!({ "text": "hi" });
    a.sync()
        .send_event(EventTarget::Topic("Room:1".into()), "said", payload.clone())
        .await
        .expect("sent");
    marker(a.sync()).await;
    for c in [&mut a1, &mut b1] {
        let said = (
            Some("Room:1".to_owned()),
            "said".to_owned(),
            payload.clone(),
        );
        assert_eq!(next_event(c).await, said);
        assert_eq!(next_event(c).await.1, "marker", "the topic event came once");
    }
    assert_eq!(
        next_event(&mut b2).await.1,
        "marker",
        "not a subscriber of Room:1"
    );
}

async fn principal_events_reach_all_its_connections_on_every_node(engine: TestEngine) {
    let seen = Arc::default();
    let (a, b) = (
        node(&engine, Arc::clone(&seen)).await,
        node(&engine, seen).await,
    );
    let (mut ana_a, _) = client(&a, "ana").await;
    let (mut ana_b, _) = client(&b, "ana").await;
    let (mut bob, _) = client(&b, "bob").await;
    all_live(&engine, &mut [&mut ana_a, &mut ana_b, &mut bob]).await;
    b.sync()
        .send_event(EventTarget::Principal("ana".into()), "mail", json!(3))
        .await
        .expect("sent");
    marker(b.sync()).await;
    for ana in [&mut ana_a, &mut ana_b] {
        assert_eq!(next_event(ana).await, (None, "mail".into(), json!(3)));
        assert_eq!(next_event(ana).await.1, "marker");
    }
    assert_eq!(next_event(&mut bob).await.1, "marker", "bob is not ana");
}

async fn on_connect_announces_a_newcomer_to_the_others_and_gives_its_id(engine: TestEngine) {
    let seen: Arc<Mutex<Vec<(ConnId, String)>>> = Arc::default();
    let server = node(&engine, Arc::clone(&seen)).await;
    let (mut first, first_session) = client(&server, "ana").await;
    all_live(&engine, &mut [&mut first]).await;
    let (mut second, second_session) = client(&server, "bob").await;
    // The first hears of the second; the second not of itself.
    let joined = next_joined(&mut first).await;
    assert_eq!(joined, json!({ "session": second_session, "who": "bob" }));
    // The hook got each connection's id and session: one connection's event.
    let ids = seen.lock().unwrap().clone();
    let (first_id, _) = ids
        .iter()
        .find(|(_, s)| *s == first_session)
        .expect("the hook saw the first connection");
    server
        .sync()
        .send_event(EventTarget::Connection(*first_id), "hello", json!("you"))
        .await
        .expect("sent");
    marker(server.sync()).await;
    assert_eq!(
        next_event(&mut first).await,
        (None, "hello".into(), json!("you"))
    );
    assert_eq!(next_event(&mut first).await.1, "marker");
    let next = second
        .recv_until("any event", |m| match m {
            ServerMsg::Event { name, .. } => Some(name.clone()),
            _ => None,
        })
        .await
        .expect("an event in time");
    assert_eq!(
        next, "marker",
        "neither its own `joined` nor the first's `hello`"
    );
}

on_both_engines!(
    topic_events_reach_only_the_topics_subscribers_on_every_node,
    principal_events_reach_all_its_connections_on_every_node,
    on_connect_announces_a_newcomer_to_the_others_and_gives_its_id,
);
