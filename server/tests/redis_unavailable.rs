//! A node whose Redis goes away: past a short grace it closes its clients
//! with 1013 and a `retry-after`, refuses new ones the same way and answers
//! 503 on `/health`; it never acks a mutation Redis does not have; and when
//! Redis comes back it serves again by itself. Real `redis-server`
//! processes, stopped and restarted on the same port.

mod redis_support;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use leptos_sync_protocol::{ServerMsg, close_code};
use leptos_sync_server::{RedisEngine, RedisOptions, Server, SyncServer};
use redis::AsyncCommands;
use redis_support::RedisServer;
use serde_json::{Value, json};
use support::{Client, End, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GRACE: Duration = Duration::from_millis(300);
const RETRY_AFTER: &str = "retry-after=2000";

async fn node(redis: &RedisServer) -> Server {
    let options = RedisOptions {
        unavailable_after: GRACE,
        ..RedisOptions::default()
    };
    let engine = RedisEngine::open(&redis.url(), options).expect("a valid URL");
    let sync = SyncServer::builder().engine(engine).build();
    let health = sync.health_router();
    let serving = sync.serve_with("127.0.0.1:0", |router| router.merge(health));
    serving.await.expect("the node serves")
}

/// `GET /health`: the status and the JSON body.
async fn health(addr: SocketAddr) -> (u16, Value) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = "GET /health HTTP/1.1\r\nhost: node\r\nconnection: close\r\n\r\n";
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {answer}"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn subscribe() -> Value {
    json!({"type": "subscribe", "sub": 1, "topic": "T", "schema": 1, "since": null, "epoch": null})
}

fn mutate(id: &str, key: &str, value: Value) -> Value {
    json!({"type": "mutate", "id": id, "topic": "T", "key": key, "value": value})
}

/// A welcomed client subscribed to "T"; returns it with its epoch.
async fn subscribed(addr: SocketAddr, name: &str) -> (Client, String) {
    let (mut c, _) = Client::welcomed(addr, name).await;
    c.send(subscribe()).await;
    let ServerMsg::Subscribed {
        epoch: Some(epoch), ..
    } = c.recv().await
    else {
        panic!("subscribed with an epoch")
    };
    assert!(matches!(c.recv().await, ServerMsg::Snapshot { .. }));
    (c, epoch)
}

/// Reads up to the end of the connection: the ids acked on the way, and the end.
async fn acks_until_end(c: &mut Client) -> (Vec<String>, End) {
    let mut acked = Vec::new();
    loop {
        let next =
            tokio::time::timeout(support::DEADLINE, futures_util::StreamExt::next(&mut c.ws))
                .await
                .expect("the end in time");
        use tokio_tungstenite::tungstenite::Message;
        match next {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ServerMsg::Ack { id, .. }) = ServerMsg::decode(&text) {
                    acked.push(id);
                }
            }
            Some(Ok(Message::Close(Some(f)))) => {
                return (acked, End::Closed(f.code.into(), f.reason.to_string()));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (acked, End::Abrupt),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_closes_with_1013_while_redis_is_away_and_serves_again_when_it_returns() {
    let redis = RedisServer::start();
    let server = node(&redis).await;
    let addr = server.local_addr();
    assert_eq!(health(addr).await, (200, json!({"ready": true})));
    let (mut c, _) = subscribed(addr, "before").await;
    c.send(mutate("m1", "a", json!(1))).await;
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 1, .. }));
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );

    let port = redis.stop();
    // A mutation while Redis is away is answered `unavailable`, never acked,
    // and the connection is closed once the grace has passed.
    c.send(mutate("m2", "b", json!(2))).await;
    let (acked, end) = acks_until_end(&mut c).await;
    assert_eq!(acked, Vec::<String>::new(), "acked without Redis");
    assert_eq!(
        end,
        End::Closed(close_code::TRY_AGAIN_LATER, RETRY_AFTER.into())
    );
    let (status, body) = health(addr).await;
    assert_eq!((status, &body["ready"]), (503, &json!(false)), "{body}");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("redis")),
        "{body}"
    );
    // New connections are refused at once, before any hello.
    let mut refused = Client::connect(addr, "during").await;
    assert_eq!(
        refused.end().await,
        End::Closed(close_code::TRY_AGAIN_LATER, RETRY_AFTER.into())
    );

    // Redis comes back (empty: the tests run it without persistence).
    let redis = RedisServer::start_on(port).expect("redis-server restarts on its port");
    eventually("the node to be ready again", || async {
        (health(addr).await.0 == 200).then_some(())
    })
    .await;
    let (mut c, _) = subscribed(addr, "after").await;
    c.send(mutate("m3", "c", json!(3))).await;
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 1, .. }));
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m3".into(),
            seq: 1
        }
    );
    // Acked means Redis has it.
    let stored: Option<String> = redis
        .conn()
        .await
        .hget("lsync:{T}:entries", "c")
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_outage_within_the_grace_closes_no_one() {
    let redis = RedisServer::start();
    let options = RedisOptions {
        unavailable_after: Duration::from_secs(30),
        ..RedisOptions::default()
    };
    let engine = RedisEngine::open(&redis.url(), options).expect("a valid URL");
    let server = SyncServer::builder().engine(engine).build();
    let server = server.serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let (mut c, _) = subscribed(addr, "client").await;

    let port = redis.stop();
    let redis = RedisServer::start_on(port).expect("redis-server restarts on its port");
    // The connection stayed: once Redis answers, a mutation re-sent with
    // its id is acked.
    let deadline = tokio::time::Instant::now() + support::DEADLINE;
    'resend: loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no ack after the restart"
        );
        c.send(mutate("m", "k", json!(1))).await;
        loop {
            match c.recv().await {
                ServerMsg::Ack { id, .. } if id == "m" => break 'resend,
                ServerMsg::Error { .. } => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue 'resend;
                }
                _ => {}
            }
        }
    }
    drop(redis);
}
