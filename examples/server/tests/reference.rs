//! The reference binary's own parts, started in process from its command line:
//! the static directory and the demo feed.

mod common;

use clap::Parser;
use common::{eventually, http};
use leptos_sync_reference_server::{Args, start};
use serde_json::json;

/// The arguments of `leptos-sync-server --port 0 <extra>`.
fn args(extra: &[&str]) -> Args {
    let base = ["leptos-sync-server", "--port", "0"];
    Args::parse_from(base.iter().chain(extra))
}

#[tokio::test]
async fn static_dir_is_served_with_an_index_fallback() {
    let dir = std::env::temp_dir().join(format!("leptos-sync-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>demo</p>").unwrap();
    std::fs::write(dir.join("app.js"), "let x;").unwrap();
    let dir_arg = dir.to_str().expect("a UTF-8 temp dir");
    let server = start(&args(&["--static", dir_arg])).await.expect("starts");
    let addr = server.local_addr();
    assert_eq!(http(addr, "GET", "/app.js", &[], "").await.body, "let x;");
    assert_eq!(http(addr, "GET", "/", &[], "").await.body, "<p>demo</p>");
    assert_eq!(
        http(addr, "GET", "/some/route", &[], "").await.body,
        "<p>demo</p>"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn demo_data_publishes_ticker_prices() {
    let server = start(&args(&["--demo-data"])).await.expect("starts");
    let entries = eventually("the ticker to start", || async {
        let topic = server.sync().topic("Ticker").await.unwrap()?;
        (topic.seq >= 3).then_some(topic.entries)
    })
    .await;
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .values()
            .all(|v| v["price"].is_f64() && v["at"].is_u64()),
        "{entries:?}"
    );
}

#[tokio::test]
async fn health_is_ready_on_memory_and_not_ready_while_redis_is_away() {
    let server = start(&args(&[])).await.expect("starts");
    let ready = http(server.local_addr(), "GET", "/health", &[], "").await;
    assert_eq!((ready.status, ready.json()), (200, json!({"ready": true})));

    // Nothing listens on the port of a listener just closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let server = start(&args(&["--redis", &url])).await.expect("starts");
    let body = eventually("/health to say not ready", || async {
        let answer = http(server.local_addr(), "GET", "/health", &[], "").await;
        (answer.status == 503).then(|| answer.json())
    })
    .await;
    assert_eq!(body["ready"], json!(false), "{body}");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("redis")),
        "{body}"
    );
}
