//! The binary as a deploy sees it: SIGTERM shuts it down gracefully.
#![cfg(unix)]

mod common;

use std::net::SocketAddr;
use std::process::Stdio;

use common::{Client, DEADLINE, End};
use leptos_sync_protocol::close_code;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the binary with this shutdown spread; returns it and its address.
async fn spawn(spread_ms: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leptos-sync-server"))
        .args(["--port", "0", "--shutdown-spread-ms", spread_ms])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .expect("the listening line in time")
        .unwrap()
        .expect("a line");
    let addr = line
        .strip_prefix("leptos-sync-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}

/// Sends SIGTERM, as a deploy does.
fn terminate(child: &Child) {
    let pid = child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
}

#[tokio::test]
async fn sigterm_closes_every_client_with_1012_and_ends_the_process() {
    let (mut child, addr) = spawn("3000").await;
    let (mut a, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;

    terminate(&child);
    let mut retry_after = Vec::new();
    for c in [&mut a, &mut b] {
        match c.end().await {
            End::Closed(close_code::SERVICE_RESTART, reason) => {
                retry_after.push(close_code::retry_after_ms(&reason).expect(&reason));
            }
            other => panic!("expected 1012, got {other:?}"),
        }
    }
    retry_after.sort();
    // Exact slots from 500 ms (the client's floor) over the window.
    assert_eq!(retry_after, [500, 1_750]);
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .expect("the process ends in time")
        .unwrap();
    assert!(status.success(), "{status}");
}

/// A peer that never finishes its request must not hold a deploy forever:
/// the drain ends `--shutdown-spread-ms` plus a 5 s grace after SIGTERM.
#[tokio::test]
async fn sigterm_ends_the_process_despite_a_peer_that_never_finishes() {
    let (mut child, addr) = spawn("0").await;
    // Half an HTTP request: axum's graceful shutdown waits for it to finish.
    let mut stuck = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stuck, b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_client, _) = Client::welcomed(addr, "a").await;

    terminate(&child);
    let status = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait())
        .await
        .expect("the process ends within the spread plus its grace")
        .unwrap();
    assert!(status.success(), "{status}");
    drop(stuck);
}
