//! The scripted protocol client of the `testing` feature, against a server
//! built as an app builds it: every step typed, every refusal a typed error.

use std::time::Duration;

use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::testing::{TestClient, TestClientError, TestClientOptions};
use leptos_sync_server::{Principal, Reject, Server, SyncServer};
use serde_json::json;

async fn serve(sync: SyncServer) -> (Server, String) {
    let server = sync.serve("127.0.0.1:0").await.expect("serves");
    let url = format!("ws://{}/ws", server.local_addr());
    (server, url)
}

#[tokio::test]
async fn a_conversation_in_typed_steps() {
    let sync = SyncServer::builder()
        .validate(|_, _, value| match value["title"].as_str() {
            Some("") => Err("a title is needed".into()),
            _ => Ok(value),
        })
        .build();
    let (server, url) = serve(sync.clone()).await;
    let mut client = TestClient::connect(&url).await.unwrap();
    assert!(!client.hello(None).await.unwrap().is_empty());

    let first = client.subscribe(1, "Task", 7, None).await.unwrap();
    assert!(!first.recovered && first.entries.is_empty());

    let seq = sync
        .publish("Task", "a", json!({ "title": "Plan" }))
        .await
        .unwrap();
    let update = client
        .recv_until("the update", |m| match m {
            ServerMsg::Update { seq, key, .. } => Some((*seq, key.clone())),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(update, (seq, "a".to_string()));

    let acked = client
        .mutate("m1", "Task", "b", json!({ "title": "Ship" }))
        .await
        .unwrap();
    assert_eq!(acked, seq + 1);
    // The mutation's own update was held back while waiting for the ack.
    assert!(matches!(client.recv().await.unwrap(), ServerMsg::Update { seq, .. } if seq == acked));
    let refused = client
        .mutate("m2", "Task", "c", json!({ "title": "" }))
        .await;
    assert!(
        matches!(&refused, Err(TestClientError::Refused { code, .. }) if code == "rejected"),
        "{refused:?}"
    );

    // Another schema for the same topic is refused; the snapshot of a new client has both entries.
    let mut other = TestClient::connect(&url).await.unwrap();
    other.hello(None).await.unwrap();
    let mismatch = other.subscribe(1, "Task", 8, None).await;
    assert!(
        matches!(mismatch, Err(TestClientError::Refused { code, .. }) if code == "schema_mismatch")
    );
    let snapshot = other.subscribe(2, "Task", 7, None).await.unwrap();
    assert_eq!(snapshot.entries.len(), 2);
    drop(server);
}

#[tokio::test]
async fn a_refused_token_is_a_typed_close_and_silence_a_timeout() {
    let sync = SyncServer::builder()
        .authenticate(|token| async move {
            match token.as_deref() {
                Some("good") => Ok(Principal::new("someone")),
                _ => Err(Reject::Unauthorized),
            }
        })
        .build();
    let (_server, url) = serve(sync).await;
    let mut refused = TestClient::connect(&url).await.unwrap();
    match refused.hello(Some("bad")).await {
        Err(TestClientError::Closed { code, .. }) => assert_eq!(code, 4401),
        other => panic!("expected close 4401, got {other:?}"),
    }

    let options = TestClientOptions {
        timeout: Duration::from_millis(200),
    };
    let mut quiet = TestClient::connect_with_options(&url, options)
        .await
        .unwrap();
    quiet.hello(Some("good")).await.unwrap();
    let silence = quiet.recv().await;
    assert!(
        matches!(&silence, Err(TestClientError::Timeout { after, .. }) if *after == Duration::from_millis(200)),
        "{silence:?}"
    );
}

#[tokio::test]
async fn an_address_nobody_serves_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let result = TestClient::connect(&format!("ws://{addr}/ws")).await;
    assert!(
        matches!(result, Err(TestClientError::Connect(_))),
        "{:?}",
        result.err()
    );
}
