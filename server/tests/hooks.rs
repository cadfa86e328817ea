//! The application's hooks: authenticate, authorize and validate, against a
//! real server on 127.0.0.1.

mod redis_support;
mod support;

use std::net::SocketAddr;

use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::{Action, Principal, Reject, Server};
use redis_support::TestEngine;
use serde_json::{Value, json};
use support::{Client, End};

/// A server whose tokens name principals: `editor` may do anything,
/// `observer` may only read and never the topic "Secret"; `banned` is known
/// but may not connect; any other token is unknown. Todo values need a
/// title, and get the author stamped in.
async fn start(engine: &TestEngine) -> Server {
    engine
        .builder()
        .authenticate(|token| async move {
            match token.as_deref() {
                Some(id @ ("editor" | "observer")) => {
                    Ok(Principal::new(id).with_data(json!({ "role": id })))
                }
                Some("banned") => Err(Reject::Forbidden),
                _ => Err(Reject::Unauthorized),
            }
        })
        .authorize(|who, action| match action {
            _ if who.data["role"] == "editor" => Ok(()),
            Action::Subscribe { topic } if *topic == "Secret" => {
                Err(format!("{} may not read {topic}", who.id))
            }
            Action::Subscribe { .. } => Ok(()),
            Action::Mutate { topic, .. } => Err(format!("{} may not change {topic}", who.id)),
        })
        .validate(|who, mutation, mut value| {
            if mutation.topic != "Todo" {
                return Ok(value);
            }
            if !value["title"].is_string() {
                return Err(format!("todo {} needs a title", mutation.key));
            }
            value["by"] = who.id.clone().into();
            Ok(value)
        })
        .build()
        .serve("127.0.0.1:0")
        .await
        .expect("the server starts")
}

/// Connects and says hello with `token`.
async fn hello(addr: SocketAddr, token: &str) -> Client {
    let mut c = Client::connect(addr, token).await;
    c.send(json!({"type": "hello", "protocol": 1, "token": token}))
        .await;
    c
}

async fn welcomed(addr: SocketAddr, token: &str) -> Client {
    let mut c = hello(addr, token).await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
    c
}

fn subscribe(sub: u64, topic: &str) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": 1, "since": null})
}

fn mutate(id: &str, topic: &str, key: &str, value: Value) -> Value {
    json!({"type": "mutate", "id": id, "topic": topic, "key": key, "value": value})
}

/// The next frame, which must be an error naming mutation `id`; returns (code, message).
async fn mutation_error(c: &mut Client, want_id: &str) -> (String, String) {
    match c.recv().await {
        ServerMsg::Error {
            code,
            message,
            id,
            sub,
            ..
        } => {
            assert_eq!((id.as_deref(), sub), (Some(want_id), None));
            (code, message)
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

async fn authenticate_rejections_close_with_4401_or_4403(engine: TestEngine) {
    let server = start(&engine).await;
    let addr = server.local_addr();
    let mut unknown = hello(addr, "nobody").await;
    assert_eq!(
        unknown.end().await,
        End::Closed(4401, "unauthorized".into())
    );
    let mut banned = hello(addr, "banned").await;
    assert_eq!(banned.end().await, End::Closed(4403, "forbidden".into()));
    let mut editor = welcomed(addr, "editor").await;
    editor.assert_quiet_and_open(1).await;
}

async fn a_denied_subscription_is_forbidden_and_the_connection_stays(engine: TestEngine) {
    let server = start(&engine).await;
    let addr = server.local_addr();
    let mut observer = welcomed(addr, "observer").await;
    observer.send(subscribe(1, "Secret")).await;
    match observer.recv().await {
        ServerMsg::Error {
            code, sub, message, ..
        } => {
            assert_eq!((code.as_str(), sub), (error_code::FORBIDDEN, Some(1)));
            assert_eq!(message, "observer may not read Secret");
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
    // Nothing was registered: a change to Secret reaches nobody.
    server
        .sync()
        .publish("Secret", "k", json!(1))
        .await
        .unwrap();
    observer.assert_quiet_and_open(2).await;
    // The principal is the connection's: an allowed topic still works.
    observer.send(subscribe(2, "Todo")).await;
    assert!(matches!(
        observer.recv().await,
        ServerMsg::Subscribed { sub: 2, .. }
    ));
    assert!(matches!(
        observer.recv().await,
        ServerMsg::Snapshot { sub: 2, .. }
    ));
    let mut editor = welcomed(addr, "editor").await;
    editor.send(subscribe(1, "Secret")).await;
    assert!(matches!(
        editor.recv().await,
        ServerMsg::Subscribed { sub: 1, seq: 1, .. }
    ));
}

async fn a_denied_mutation_is_forbidden_applies_nothing_and_the_connection_stays(
    engine: TestEngine,
) {
    let server = start(&engine).await;
    let mut observer = welcomed(server.local_addr(), "observer").await;
    observer.send(subscribe(1, "Todo")).await;
    assert!(matches!(
        observer.recv().await,
        ServerMsg::Subscribed { .. }
    ));
    assert!(matches!(observer.recv().await, ServerMsg::Snapshot { .. }));
    let todo = json!({"title": "milk"});
    observer.send(mutate("m1", "Todo", "a", todo)).await;
    let (code, message) = mutation_error(&mut observer, "m1").await;
    assert_eq!(code, error_code::FORBIDDEN);
    assert_eq!(message, "observer may not change Todo");
    assert_eq!(server.sync().topic("Todo").await.unwrap().unwrap().seq, 0);
    observer.assert_quiet_and_open(3).await;
}

async fn validate_rejects_with_a_reason_or_rewrites_the_value(engine: TestEngine) {
    let server = start(&engine).await;
    let addr = server.local_addr();
    let mut reader = welcomed(addr, "observer").await;
    reader.send(subscribe(1, "Todo")).await;
    assert!(matches!(reader.recv().await, ServerMsg::Subscribed { .. }));
    assert!(matches!(reader.recv().await, ServerMsg::Snapshot { .. }));
    let mut editor = welcomed(addr, "editor").await;

    editor
        .send(mutate("bad", "Todo", "a", json!({"done": true})))
        .await;
    let (code, message) = mutation_error(&mut editor, "bad").await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (error_code::REJECTED, "todo a needs a title")
    );
    editor.assert_quiet_and_open(4).await;

    editor
        .send(mutate("good", "Todo", "a", json!({"title": "milk"})))
        .await;
    assert_eq!(
        editor.recv().await,
        ServerMsg::Ack {
            id: "good".into(),
            seq: 1
        }
    );
    let stamped = json!({"title": "milk", "by": "editor"});
    let update = ServerMsg::Update {
        sub: 1,
        seq: 1,
        key: "a".into(),
        value: stamped.clone(),
    };
    assert_eq!(
        reader.recv().await,
        update,
        "subscribers get the rewritten value"
    );
    let state = server.sync().topic("Todo").await.unwrap().unwrap();
    assert_eq!(Value::Object(state.entries), json!({"a": stamped}));
}

on_both_engines!(
    authenticate_rejections_close_with_4401_or_4403,
    a_denied_subscription_is_forbidden_and_the_connection_stays,
    a_denied_mutation_is_forbidden_applies_nothing_and_the_connection_stays,
    validate_rejects_with_a_reason_or_rewrites_the_value,
);
