//! Protocol v1 over `/ws`, against an in-process server.

mod common;

use common::{Client, End, control, inspect, start, start_with};
use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::Config;
use serde_json::{Value, json};

fn subscribe(sub: u64, topic: &str, schema: u32, since: Option<u64>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": schema, "since": since})
}

fn mutate(id: &str, topic: &str, key: &str, value: Value) -> Value {
    json!({"type": "mutate", "id": id, "topic": topic, "key": key, "value": value})
}

fn update_seqs(msgs: &[ServerMsg]) -> Vec<u64> {
    msgs.iter()
        .map(|m| match m {
            ServerMsg::Update { seq, .. } => *seq,
            other => panic!("expected update, got {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn hello_is_answered_with_welcome() {
    let server = start_with(Config {
        heartbeat_ms: 1234,
        ..Config::default()
    })
    .await;
    let mut c = Client::connect(server.local_addr(), "t").await;
    c.send(json!({"type": "hello", "protocol": 1, "token": null, "extra": "ignored"}))
        .await;
    match c.recv().await {
        ServerMsg::Welcome {
            session,
            heartbeat_ms,
        } => {
            assert!(!session.is_empty());
            assert_eq!(heartbeat_ms, Some(1234));
        }
        other => panic!("{other:?}"),
    }
    c.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn sessions_differ_per_connection() {
    let server = start().await;
    let (_a, s1) = Client::welcomed(server.local_addr(), "t").await;
    let (_b, s2) = Client::welcomed(server.local_addr(), "t").await;
    assert_ne!(s1, s2);
}

#[tokio::test]
async fn anything_before_hello_is_a_protocol_violation() {
    let server = start().await;
    for first in [
        r#"{"type":"ping","t":1}"#,
        "not json",
        r#"{"type":"bogus"}"#,
    ] {
        let mut c = Client::connect(server.local_addr(), "t").await;
        c.send_text(first).await;
        assert_eq!(
            c.recv_error().await.0,
            error_code::HELLO_REQUIRED,
            "{first}"
        );
        assert_eq!(c.end().await, End::Closed(4400, "hello required".into()));
    }
}

#[tokio::test]
async fn another_protocol_version_is_refused() {
    let server = start().await;
    let mut c = Client::connect(server.local_addr(), "t").await;
    c.send(json!({"type": "hello", "protocol": 2, "token": null}))
        .await;
    assert_eq!(c.recv_error().await.0, error_code::UNSUPPORTED_PROTOCOL);
    assert!(matches!(c.end().await, End::Closed(4400, _)));
}

#[tokio::test]
async fn a_wrong_token_is_closed_with_4401_and_never_echoed() {
    let config = Config {
        token: Some("s3cret".into()),
        control: true,
        ..Config::default()
    };
    let server = start_with(config).await;
    let addr = server.local_addr();
    for token in [json!("wrong"), Value::Null] {
        let mut c = Client::connect(addr, "auth").await;
        c.send(json!({"type": "hello", "protocol": 1, "token": token}))
            .await;
        assert_eq!(c.end().await, End::Closed(4401, "unauthorized".into()));
    }
    let mut c = Client::connect(addr, "auth").await;
    c.send(json!({"type": "hello", "protocol": 1, "token": "s3cret"}))
        .await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));

    let stats = inspect(addr, "stats?client=auth").await;
    let outcomes: Vec<&str> = stats["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["rejected_auth", "rejected_auth", "accepted"]);
    let has_token: Vec<bool> = stats["hellos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["has_token"].as_bool().unwrap())
        .collect();
    assert_eq!(has_token, [true, false, true]);
    assert!(
        !stats.to_string().contains("s3cret"),
        "the token leaked into stats"
    );
}

#[tokio::test]
async fn bad_frames_get_typed_errors_and_the_connection_stays() {
    let server = start_with(Config {
        max_frame: 256,
        ..Config::default()
    })
    .await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    let cases = [
        ("{not json", error_code::BAD_FRAME),
        ("[1,2]", error_code::BAD_FRAME),
        (
            r#"{"type":"teleport","to":"mars"}"#,
            error_code::UNKNOWN_TYPE,
        ),
        (
            r#"{"type":"subscribe","sub":"seven","topic":"T","schema":1,"since":null}"#,
            error_code::INVALID_FIELDS,
        ),
        (r#"{"type":"ping"}"#, error_code::INVALID_FIELDS),
        (
            r#"{"type":"hello","protocol":1,"token":null}"#,
            error_code::UNEXPECTED_HELLO,
        ),
    ];
    for (frame, code) in cases {
        c.send_text(frame).await;
        assert_eq!(c.recv_error().await.0, code, "{frame}");
    }
    let big = format!(r#"{{"type":"ping","t":1,"pad":"{}"}}"#, "x".repeat(300));
    c.send_text(&big).await;
    assert_eq!(c.recv_error().await.0, error_code::TOO_LARGE);
    c.send_binary(vec![1, 2, 3]).await;
    assert_eq!(c.recv_error().await.0, error_code::BAD_FRAME);
    c.assert_quiet_and_open(7).await;
}

#[tokio::test]
async fn subscribe_without_since_gets_a_snapshot_then_live_updates() {
    let server = start().await;
    let addr = server.local_addr();
    let hub = &server.app().hub;
    hub.publish("Pos", "a", json!({"x": 1}));
    hub.publish("Pos", "b", json!({"x": 2}));
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(subscribe(7, "Pos", 99, None)).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 7,
            seq: 2,
            recovered: false
        }
    );
    let entries = json!({"a": {"x": 1}, "b": {"x": 2}})
        .as_object()
        .unwrap()
        .clone();
    assert_eq!(
        c.recv().await,
        ServerMsg::Snapshot {
            sub: 7,
            seq: 2,
            schema: 99,
            entries
        }
    );

    let (mut writer, _) = Client::welcomed(addr, "w").await;
    writer.send(mutate("m1", "Pos", "a", json!({"x": 3}))).await;
    assert_eq!(
        writer.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 3
        }
    );
    let expected = ServerMsg::Update {
        sub: 7,
        seq: 3,
        key: "a".into(),
        value: json!({"x": 3}),
    };
    assert_eq!(c.recv().await, expected);

    let subs = inspect(addr, "stats").await["subscriptions"].clone();
    assert_eq!(subs.as_array().unwrap().len(), 1);
    assert_eq!(subs[0]["topic"], "Pos");
    assert_eq!(subs[0]["sub"], 7);
}

#[tokio::test]
async fn since_within_history_replays_exactly_the_missed_updates() {
    let server = start().await;
    let hub = &server.app().hub;
    for i in 1..=5 {
        hub.publish("T", &format!("k{i}"), json!(i));
    }
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    c.send(subscribe(1, "T", 5, Some(2))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 1,
            seq: 5,
            recovered: true
        }
    );
    let mut replay = Vec::new();
    for _ in 0..3 {
        replay.push(c.recv().await);
    }
    assert_eq!(update_seqs(&replay), [3, 4, 5]);
    assert_eq!(
        replay[0],
        ServerMsg::Update {
            sub: 1,
            seq: 3,
            key: "k3".into(),
            value: json!(3)
        }
    );
    // Live updates continue without a gap or a repeat.
    hub.publish("T", "k6", json!(6));
    assert_eq!(update_seqs(&[c.recv().await]), [6]);
    c.assert_quiet_and_open(1).await;

    // Already up to date: recovered with nothing to replay.
    c.send(subscribe(2, "T", 5, Some(6))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 2,
            seq: 6,
            recovered: true
        }
    );
    c.assert_quiet_and_open(2).await;
}

#[tokio::test]
async fn since_older_than_history_or_from_the_future_gets_a_snapshot() {
    let server = start_with(Config {
        history: 2,
        ..Config::default()
    })
    .await;
    let hub = &server.app().hub;
    for i in 1..=5 {
        hub.publish("T", "k", json!(i));
    }
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    for (sub, since) in [(1, 2), (2, 99)] {
        c.send(subscribe(sub, "T", 1, Some(since))).await;
        assert_eq!(
            c.recv().await,
            ServerMsg::Subscribed {
                sub,
                seq: 5,
                recovered: false
            }
        );
        match c.recv().await {
            ServerMsg::Snapshot {
                sub: s,
                seq: 5,
                entries,
                ..
            } => {
                assert_eq!(s, sub);
                assert_eq!(entries["k"], json!(5));
            }
            other => panic!("{other:?}"),
        }
    }
    // since 3 needs 4 and 5, both still in a ring of 2.
    c.send(subscribe(3, "T", 1, Some(3))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 3,
            seq: 5,
            recovered: true
        }
    );
    assert_eq!(update_seqs(&[c.recv().await, c.recv().await]), [4, 5]);
}

#[tokio::test]
async fn a_different_schema_is_refused_without_a_subscription() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    a.send(subscribe(1, "T", 111, None)).await;
    assert!(matches!(a.recv().await, ServerMsg::Subscribed { .. }));
    assert!(matches!(
        a.recv().await,
        ServerMsg::Snapshot { schema: 111, .. }
    ));
    let (mut b, _) = Client::welcomed(addr, "b").await;
    b.send(subscribe(4, "T", 222, None)).await;
    assert_eq!(
        b.recv_error().await,
        (error_code::SCHEMA_MISMATCH.to_owned(), Some(4))
    );
    server.app().hub.publish("T", "k", json!(1));
    // a gets the update; b has no subscription, so its next frame is the pong.
    assert!(matches!(
        a.recv().await,
        ServerMsg::Update { sub: 1, seq: 1, .. }
    ));
    b.assert_quiet_and_open(1).await;
    assert_eq!(
        inspect(addr, "stats?client=b").await["subscriptions"],
        json!([])
    );
}

#[tokio::test]
async fn unsubscribe_stops_updates_and_unknown_subs_are_errors() {
    let server = start().await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    c.send(subscribe(1, "T", 1, None)).await;
    c.recv().await;
    c.recv().await;
    c.send(json!({"type": "unsubscribe", "sub": 1})).await;
    c.assert_quiet_and_open(1).await;
    server.app().hub.publish("T", "k", json!(1));
    c.assert_quiet_and_open(2).await;
    c.send(json!({"type": "unsubscribe", "sub": 1})).await;
    assert_eq!(
        c.recv_error().await,
        (error_code::UNKNOWN_SUBSCRIPTION.to_owned(), Some(1))
    );
}

#[tokio::test]
async fn a_repeated_mutation_id_is_acked_again_but_applied_once() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(subscribe(1, "T", 1, None)).await;
    c.recv().await;
    c.recv().await;
    c.send(mutate("m1", "T", "k", json!({"v": 1}))).await;
    // The broadcast comes before the ack on the mutating connection too.
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 1, .. }));
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );
    c.send(mutate("m1", "T", "k", json!({"v": 2}))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );
    c.assert_quiet_and_open(1).await;
    // Across connections too.
    let (mut other, _) = Client::welcomed(addr, "u").await;
    other.send(mutate("m1", "T", "k", json!({"v": 3}))).await;
    assert_eq!(
        other.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );

    let topic = inspect(addr, "topic?name=T").await;
    assert_eq!(topic, json!({"seq": 1, "entries": {"k": {"v": 1}}}));
    assert_eq!(inspect(addr, "mutations").await, json!({"m1": 1}));
}

#[tokio::test]
async fn a_null_value_removes_the_key() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(mutate("a", "T", "k", json!(1))).await;
    c.recv().await;
    c.send(mutate("b", "T", "k", Value::Null)).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "b".into(),
            seq: 2
        }
    );
    assert_eq!(
        inspect(addr, "topic?name=T").await,
        json!({"seq": 2, "entries": {}})
    );
}

#[tokio::test]
async fn pings_are_answered_unless_muted() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "p").await;
    c.assert_quiet_and_open(42).await;
    control(addr, "mute_pings?client=p&on=true", "").await;
    c.send(json!({"type": "ping", "t": 43})).await;
    // No pong: the next frame is the answer to what follows the ping.
    c.send(subscribe(1, "T", 1, None)).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed { sub: 1, .. }
    ));
    c.recv().await;
    // Muting another client leaves this one alone.
    control(addr, "mute_pings?client=p&on=false", "").await;
    control(addr, "mute_pings?client=other&on=true", "").await;
    c.assert_quiet_and_open(44).await;
    let stats = inspect(addr, "stats?client=p").await;
    assert_eq!(
        (stats["pings"].as_u64(), stats["pongs"].as_u64()),
        (Some(3), Some(2))
    );
}
