//! The chaos endpoints: `crash` ends the real process, `flap` welcomes and drops.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Client, DEADLINE, End, control, http, start};
use leptos_sync_protocol::ServerMsg;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn crash_ends_the_server_process_abruptly_after_answering() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leptos-sync-server"))
        .args(["--port", "0", "--control"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .expect("listening line in time")
        .unwrap()
        .expect("a listening line");
    let addr = line
        .strip_prefix("leptos-sync-server listening on ")
        .expect("the listening line")
        .parse()
        .unwrap();
    let (mut client, _) = Client::welcomed(addr, "crash").await;

    assert_eq!(control(addr, "crash", "").await, json!({"crashing": true}));
    assert_eq!(client.end().await, End::Abrupt, "no close frame");
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .expect("the process exits in time")
        .unwrap();
    assert_eq!(status.code(), Some(137));
}

#[tokio::test]
async fn crash_is_refused_by_an_in_process_server() {
    let server = start().await;
    let addr = server.local_addr();
    let r = http(addr, "POST", "/control/crash", &[], "").await;
    assert_eq!(r.status, 409, "{}", r.body);
    // Still serving.
    Client::welcomed(addr, "alive").await;
}

#[tokio::test]
async fn flap_welcomes_then_drops_matching_connections_until_it_ends() {
    let server = start().await;
    let addr = server.local_addr();
    assert_eq!(
        control(addr, "flap?ms=400&client=f", "").await,
        json!({"ms": 400})
    );
    let (mut flapped, _) = Client::welcomed(addr, "f").await;
    assert_eq!(flapped.end().await, End::Abrupt);
    // Other clients are not affected.
    let (mut other, _) = Client::welcomed(addr, "g").await;
    other.assert_quiet_and_open(1).await;

    tokio::time::sleep(Duration::from_millis(450)).await; // the flap window ends
    let (mut steady, _) = Client::welcomed(addr, "f").await;
    steady.assert_quiet_and_open(2).await;
    let attempts = common::inspect(addr, "stats?client=f").await["attempts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(attempts, 2, "both upgrades were accepted");
}

#[tokio::test]
async fn flap_without_a_client_applies_to_all_and_reset_ends_it() {
    let server = start().await;
    let addr = server.local_addr();
    control(addr, "flap?ms=60000", "").await;
    let mut c = Client::connect(addr, "x").await;
    c.send(json!({"type": "hello", "protocol": 1, "token": null}))
        .await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
    assert_eq!(c.end().await, End::Abrupt);
    control(addr, "reset", "").await;
    let (mut c, _) = Client::welcomed(addr, "x").await;
    c.assert_quiet_and_open(3).await;
}
