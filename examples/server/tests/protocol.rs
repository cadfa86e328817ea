//! Protocol v1 over `/ws`: handshake, auth, bad frames, heartbeat.

mod common;

use common::{Client, End, control, inspect, start, start_with};
use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::Config;
use serde_json::{Value, json};

fn subscribe(sub: u64, topic: &str, schema: u32, since: Option<u64>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": schema, "since": since})
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

#[test]
fn the_binary_prints_its_address_once_bound() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_leptos-sync-server"))
        .args(["--port", "0", "--control"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(common::DEADLINE);
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("the listening line in time");
    let addr = line
        .trim_end()
        .strip_prefix("leptos-sync-server listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    assert!(addr.parse::<u16>().unwrap() > 0);
}
