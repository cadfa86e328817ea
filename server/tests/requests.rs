//! Request handlers against a real server on 127.0.0.1: typed results and
//! errors, unknown methods and bad payloads, the per-connection cap, and a
//! replay (same id, new connection) that runs once while the first run is
//! still going and after it finished.

mod redis_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use leptos_sync_protocol::ServerMsg;
use leptos_sync_protocol::request::code;
use leptos_sync_server::{
    RedisEngine, RedisOptions, ResponseError, Server, SyncRequest, SyncServer,
};
use redis_support::RedisServer;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use support::Client;

#[derive(Serialize, Deserialize)]
struct Slow {
    ms: u64,
}

impl SyncRequest for Slow {
    const METHOD: &'static str = "slow";
    type Response = u32;
}

/// `slow` sleeps `ms` and answers how many times it has run; `fail` answers
/// a handler error.
async fn start(runs: Arc<AtomicU32>, max_in_flight: usize) -> Server {
    serve(SyncServer::builder(), runs, max_in_flight).await
}

async fn serve(
    builder: leptos_sync_server::SyncServerBuilder,
    runs: Arc<AtomicU32>,
    max_in_flight: usize,
) -> Server {
    builder
        .max_requests_in_flight(max_in_flight)
        .on_request::<Slow, _, _>(move |_who, slow| {
            let runs = runs.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(slow.ms)).await;
                Ok(runs.fetch_add(1, Ordering::SeqCst) + 1)
            }
        })
        .on_request_json("fail", |_who, _payload| async {
            Err(ResponseError::new("not_found", "no such board"))
        })
        .build()
        .serve("127.0.0.1:0")
        .await
        .expect("the server starts")
}

async fn request(c: &mut Client, id: &str, method: &str, payload: Value) {
    c.send(json!({"type": "request", "id": id, "method": method, "payload": payload}))
        .await;
}

/// The next frame, which must be the response to `id`.
async fn response(c: &mut Client, id: &str) -> Result<Value, (String, String)> {
    match c.recv().await {
        ServerMsg::Response {
            id: i,
            result,
            error,
        } if i == id => match error {
            Some(e) => Err((e.code, e.message)),
            None => Ok(result.unwrap_or(Value::Null)),
        },
        other => panic!("expected the response to {id}, got {other:?}"),
    }
}

#[tokio::test]
async fn results_and_errors_reach_the_client_typed() {
    let server = start(Arc::default(), 16).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "typed").await;
    request(&mut c, "r1", "slow", json!({"ms": 0})).await;
    assert_eq!(response(&mut c, "r1").await, Ok(json!(1)));
    request(&mut c, "r2", "fail", Value::Null).await;
    assert_eq!(
        response(&mut c, "r2").await,
        Err(("not_found".into(), "no such board".into()))
    );
    request(&mut c, "r3", "nope", Value::Null).await;
    let (code, _) = response(&mut c, "r3").await.unwrap_err();
    assert_eq!(code, code::UNKNOWN_METHOD);
    request(&mut c, "r4", "slow", json!({"ms": "soon"})).await;
    let (code, _) = response(&mut c, "r4").await.unwrap_err();
    assert_eq!(code, code::INVALID_PAYLOAD);
    c.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn a_slow_handler_holds_up_neither_pings_nor_other_requests() {
    let server = start(Arc::default(), 16).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "slow").await;
    request(&mut c, "long", "slow", json!({"ms": 1_000})).await;
    request(&mut c, "short", "fail", Value::Null).await;
    assert!(response(&mut c, "short").await.is_err());
    c.assert_quiet_and_open(2).await;
    assert_eq!(response(&mut c, "long").await, Ok(json!(1)));
}

#[tokio::test]
async fn a_connection_over_its_cap_is_answered_too_many_requests() {
    let server = start(Arc::default(), 1).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "cap").await;
    request(&mut c, "a", "slow", json!({"ms": 500})).await;
    request(&mut c, "b", "slow", json!({"ms": 0})).await;
    let (code, _) = response(&mut c, "b").await.unwrap_err();
    assert_eq!(code, code::TOO_MANY_REQUESTS);
    assert_eq!(response(&mut c, "a").await, Ok(json!(1)));
    // The place is free again.
    request(&mut c, "c", "slow", json!({"ms": 0})).await;
    assert_eq!(response(&mut c, "c").await, Ok(json!(2)));
}

#[tokio::test]
async fn a_replayed_id_runs_once_during_and_after_the_first_run() {
    let runs = Arc::new(AtomicU32::new(0));
    let server = start(runs.clone(), 16).await;
    let addr = server.local_addr();
    let (mut first, _) = Client::welcomed(addr, "replay").await;
    request(&mut first, "r-1", "slow", json!({"ms": 300})).await;
    // The connection drops before the response; the client replays on a new one.
    drop(first);
    let (mut second, _) = Client::welcomed(addr, "replay").await;
    request(&mut second, "r-1", "slow", json!({"ms": 300})).await;
    assert_eq!(response(&mut second, "r-1").await, Ok(json!(1)));
    // Replayed once more after it finished: the same response, no new run.
    let (mut third, _) = Client::welcomed(addr, "replay").await;
    request(&mut third, "r-1", "slow", json!({"ms": 300})).await;
    assert_eq!(response(&mut third, "r-1").await, Ok(json!(1)));
    // A new id runs.
    request(&mut third, "r-2", "slow", json!({"ms": 0})).await;
    assert_eq!(response(&mut third, "r-2").await, Ok(json!(2)));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_replay_on_another_node_of_one_redis_waits_for_the_first_run() {
    let redis = RedisServer::start();
    let runs = Arc::new(AtomicU32::new(0));
    let node = |runs| {
        let engine = RedisEngine::open(&redis.url(), RedisOptions::default()).expect("a valid URL");
        serve(SyncServer::builder().engine(engine), runs, 16)
    };
    let a = node(runs.clone()).await;
    let b = node(runs.clone()).await;
    let (mut first, _) = Client::welcomed(a.local_addr(), "nodes").await;
    request(&mut first, "r-1", "slow", json!({"ms": 400})).await;
    // The client replays on node B while node A still runs it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(first);
    let (mut second, _) = Client::welcomed(b.local_addr(), "nodes").await;
    request(&mut second, "r-1", "slow", json!({"ms": 400})).await;
    assert_eq!(response(&mut second, "r-1").await, Ok(json!(1)));
    // And once more on node A, after the run: the stored response.
    let (mut third, _) = Client::welcomed(a.local_addr(), "nodes").await;
    request(&mut third, "r-1", "slow", json!({"ms": 400})).await;
    assert_eq!(response(&mut third, "r-1").await, Ok(json!(1)));
    // A handler error is stored and replayed typed too.
    request(&mut third, "e-1", "fail", Value::Null).await;
    let failed = response(&mut third, "e-1").await;
    let (mut fourth, _) = Client::welcomed(b.local_addr(), "nodes").await;
    request(&mut fourth, "e-1", "fail", Value::Null).await;
    assert_eq!(response(&mut fourth, "e-1").await, failed);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
