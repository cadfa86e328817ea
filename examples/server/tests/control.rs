//! The `/control` fault-injection API, against an in-process server.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::{Client, End, control, eventually, http, inspect, start, start_with, topic_state};
use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::{Config, SyncServer};
use serde_json::json;
use tokio_tungstenite::tungstenite;
use tower::ServiceExt;

async fn connections(addr: SocketAddr, client: &str) -> u64 {
    inspect(addr, &format!("stats?client={client}")).await["connections"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn drop_ends_matching_connections_without_a_close_frame() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut a1, _) = Client::welcomed(addr, "a").await;
    let (mut a2, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;
    assert_eq!(connections(addr, "a").await, 2);
    assert_eq!(
        control(addr, "drop?client=a", "").await,
        json!({"dropped": 2})
    );
    assert_eq!(a1.end().await, End::Abrupt);
    assert_eq!(a2.end().await, End::Abrupt);
    b.assert_quiet_and_open(1).await;
    eventually("a's connections to be gone", || async {
        (connections(addr, "a").await == 0).then_some(())
    })
    .await;
    assert_eq!(connections(addr, "b").await, 1);
    // Without a client it applies to everyone.
    assert_eq!(control(addr, "drop", "").await, json!({"dropped": 1}));
    assert_eq!(b.end().await, End::Abrupt);
}

#[tokio::test]
async fn close_sends_the_given_code_and_reason() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "c").await;
    let (mut other, _) = Client::welcomed(addr, "d").await;
    assert_eq!(
        control(addr, "close?client=c&code=4401&reason=bye", "").await,
        json!({"closed": 1})
    );
    assert_eq!(c.end().await, End::Closed(4401, "bye".into()));
    other.assert_quiet_and_open(1).await;
    let bad = http(addr, "POST", "/control/close?code=1006", &[], "").await;
    assert_eq!(bad.status, 400, "1006 may never be sent on the wire");
}

#[tokio::test]
async fn refuse_answers_upgrades_with_503_for_a_while() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut existing, _) = Client::welcomed(addr, "r").await;
    control(addr, "refuse?client=r&ms=400", "").await;
    match Client::try_connect(addr, "r").await {
        Err(tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 503),
        Err(e) => panic!("expected HTTP 503, got {e}"),
        Ok(_) => panic!("expected HTTP 503, got a connection"),
    }
    Client::welcomed(addr, "someone-else").await;
    existing.assert_quiet_and_open(1).await;
    // It ends on its own.
    eventually("refusal to end", || async {
        Client::try_connect(addr, "r").await.ok()
    })
    .await;
    let stats = inspect(addr, "stats?client=r").await;
    let outcomes: Vec<&str> = stats["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.first(), Some(&"accepted"));
    assert_eq!(outcomes.get(1), Some(&"refused"));
    assert_eq!(outcomes.last(), Some(&"accepted"));
}

#[tokio::test]
async fn overload_closes_new_connections_with_4429_and_retry_after() {
    let server = start().await;
    let addr = server.local_addr();
    control(addr, "overload?client=o&ms=5000&retry_after=2000", "").await;
    let mut c = Client::connect(addr, "o").await;
    assert_eq!(c.end().await, End::Closed(4429, "retry-after=2000".into()));
    let stats = inspect(addr, "stats?client=o").await;
    assert_eq!(stats["attempts"][0]["outcome"], "overloaded");
    assert_eq!(stats["connections"], 0);
}

#[tokio::test]
async fn send_delivers_the_body_verbatim() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "s").await;
    let (mut other, _) = Client::welcomed(addr, "t").await;
    assert_eq!(
        control(addr, "send?client=s", "{\"type\":\"garbage").await,
        json!({"sent": 1})
    );
    assert_eq!(c.recv_text().await, "{\"type\":\"garbage");
    other.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn send_binary_delivers_the_body_as_a_binary_frame() {
    use futures_util::StreamExt;
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "b").await;
    let (mut other, _) = Client::welcomed(addr, "c").await;
    assert_eq!(
        control(addr, "send_binary?client=b", "\u{1}\u{2}\u{3}").await,
        json!({"sent": 1})
    );
    let frame = tokio::time::timeout(Duration::from_secs(5), c.ws.next())
        .await
        .expect("a frame in time")
        .expect("stream open")
        .expect("no ws error");
    assert_eq!(frame, tungstenite::Message::binary(vec![1u8, 2, 3]));
    c.assert_quiet_and_open(1).await;
    other.assert_quiet_and_open(2).await;
}

#[tokio::test]
async fn publish_applies_and_broadcasts() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "p").await;
    c.send(json!({"type": "subscribe", "sub": 3, "topic": "T", "schema": 1, "since": null}))
        .await;
    c.recv().await;
    c.recv().await;
    let body = json!({"topic": "T", "key": "k", "value": {"a": 1}}).to_string();
    assert_eq!(control(addr, "publish", &body).await, json!({"seq": 1}));
    let expected = ServerMsg::Update {
        sub: 3,
        seq: 1,
        key: "k".into(),
        value: json!({"a": 1}),
    };
    assert_eq!(c.recv().await, expected);
    let remove = json!({"topic": "T", "key": "k", "value": null}).to_string();
    assert_eq!(control(addr, "publish", &remove).await, json!({"seq": 2}));
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 2, "entries": {}})
    );
    assert_eq!(
        http(addr, "POST", "/control/publish", &[], "{}")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn drop_before_ack_applies_then_drops_and_a_retry_gets_the_same_ack() {
    let server = start().await;
    let addr = server.local_addr();
    control(addr, "drop_before_ack?client=d&n=1", "").await;
    let (mut c, _) = Client::welcomed(addr, "d").await;
    c.send(json!({"type": "mutate", "id": "x1", "topic": "T", "key": "k", "value": 5}))
        .await;
    assert_eq!(c.end().await, End::Abrupt);
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 1, "entries": {"k": 5}})
    );
    // Only the next n: the retry on a new connection is acknowledged.
    let (mut c, _) = Client::welcomed(addr, "d").await;
    c.send(json!({"type": "mutate", "id": "x1", "topic": "T", "key": "k", "value": 5}))
        .await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "x1".into(),
            seq: 1
        }
    );
    assert_eq!(inspect(addr, "mutations").await, json!({"x1": 1}));
}

#[tokio::test]
async fn stall_freezes_the_connection_until_dropped() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "st").await;
    assert_eq!(
        control(addr, "stall?client=st", "").await,
        json!({"stalled": 1})
    );
    c.send(json!({"type": "ping", "t": 1})).await;
    // A bounded wait for silence: the stalled server neither answers nor closes.
    let silent = tokio::time::timeout(Duration::from_millis(300), c.recv_text()).await;
    assert!(silent.is_err(), "a stalled connection answered");
    assert_eq!(connections(addr, "st").await, 1);
    assert_eq!(
        control(addr, "drop?client=st", "").await,
        json!({"dropped": 1})
    );
    assert_eq!(c.end().await, End::Abrupt);
}

#[tokio::test]
async fn reject_auth_and_token_control_the_hello() {
    let server = start().await;
    let addr = server.local_addr();
    let hello = |token: Option<&str>| json!({"type": "hello", "protocol": 1, "token": token});

    control(addr, "reject_auth?client=ra&on=true", "").await;
    let mut c = Client::connect(addr, "ra").await;
    c.send(hello(None)).await;
    assert_eq!(c.end().await, End::Closed(4401, "unauthorized".into()));
    Client::welcomed(addr, "not-ra").await;
    control(addr, "reject_auth?client=ra&on=false", "").await;
    Client::welcomed(addr, "ra").await;

    control(addr, "token?value=tok-XYZZY", "").await;
    let mut c = Client::connect(addr, "tk").await;
    c.send(hello(Some("nope"))).await;
    assert_eq!(c.end().await, End::Closed(4401, "unauthorized".into()));
    let mut c = Client::connect(addr, "tk").await;
    c.send(hello(Some("tok-XYZZY"))).await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
    assert!(
        !inspect(addr, "stats").await.to_string().contains("XYZZY"),
        "token leaked"
    );
    control(addr, "token?value=", "").await;
    Client::welcomed(addr, "tk").await;
}

#[tokio::test]
async fn stats_record_frames_per_client_and_reset_clears_them() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, session) = Client::welcomed(addr, "f").await;
    c.send_text(r#"{"type":"ping","t":9}"#).await;
    assert_eq!(c.recv().await, ServerMsg::Pong { t: 9 });
    Client::welcomed(addr, "g").await;
    let stats = inspect(addr, "stats?client=f").await;
    let frames = stats["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0]["type"], "hello");
    assert_eq!(frames[0]["session"], json!(null));
    assert_eq!(frames[1]["type"], "ping");
    assert_eq!(frames[1]["session"], json!(session));
    assert_eq!(frames[1]["raw"], r#"{"type":"ping","t":9}"#);
    assert_eq!(
        inspect(addr, "stats").await["frames"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    control(addr, "reset?client=f", "").await;
    let stats = inspect(addr, "stats?client=f").await;
    assert_eq!(stats["frames"], json!([]));
    assert_eq!(
        stats["connections"], 1,
        "reset clears records, not connections"
    );
    assert_eq!(
        inspect(addr, "stats?client=g").await["frames"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn stats_keep_the_peak_of_connections_open_at_once() {
    let server = start().await;
    let addr = server.local_addr();
    let peak = |stats: serde_json::Value| stats["peak_connections"].as_u64().unwrap();
    let (a1, _) = Client::welcomed(addr, "p").await;
    let (_a2, _) = Client::welcomed(addr, "p").await;
    let (_b, _) = Client::welcomed(addr, "q").await;
    assert_eq!(peak(inspect(addr, "stats?client=p").await), 2);
    assert_eq!(peak(inspect(addr, "stats?client=q").await), 1);
    drop(a1);
    eventually("a1 to be gone", || async {
        (connections(addr, "p").await == 1).then_some(())
    })
    .await;
    let (_a3, _) = Client::welcomed(addr, "p").await;
    assert_eq!(
        peak(inspect(addr, "stats?client=p").await),
        2,
        "one after another"
    );
    control(addr, "reset?client=p", "").await;
    assert_eq!(peak(inspect(addr, "stats?client=p").await), 0);
    let (_a4, _) = Client::welcomed(addr, "p").await;
    assert_eq!(
        peak(inspect(addr, "stats?client=p").await),
        3,
        "a2, a3 and a4"
    );
}

#[tokio::test]
async fn control_answers_loopback_peers_only_and_allows_any_origin() {
    let sync = SyncServer::builder().control(true).build();
    let request = |peer: &str| {
        let mut req = Request::get("/control/stats").body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
        req
    };
    let far = sync
        .router()
        .oneshot(request("203.0.113.9:5000"))
        .await
        .unwrap();
    assert_eq!(far.status(), 403);
    let near = sync
        .router()
        .oneshot(request("127.0.0.1:5000"))
        .await
        .unwrap();
    assert_eq!(near.status(), 200);

    let server = start().await;
    let preflight = [
        ("origin", "http://127.0.0.1:9999"),
        ("access-control-request-method", "POST"),
    ];
    let r = http(
        server.local_addr(),
        "OPTIONS",
        "/control/drop",
        &preflight,
        "",
    )
    .await;
    assert!(r.status < 300, "preflight status {}", r.status);
    assert!(
        r.headers.contains("access-control-allow-origin: *"),
        "{}",
        r.headers
    );
}

#[tokio::test]
async fn control_is_off_unless_enabled() {
    let server = start_with(Config::default()).await;
    assert_eq!(
        http(server.local_addr(), "GET", "/control/stats", &[], "")
            .await
            .status,
        404
    );
}
