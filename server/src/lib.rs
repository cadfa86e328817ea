//! A server for the leptos-sync protocol v1, as an axum 0.8 integration.
//!
//! Build a [`SyncServer`], merge its [`router`](SyncServer::router) (the
//! protocol at `/ws`) into your own axum `Router`, and publish into topics
//! from anywhere in your app with [`SyncServer::publish`]. Topic state lives
//! in an [`Engine`]; [`MemoryEngine`] is the embedded default.
//!
//! ```no_run
//! use leptos_sync_server::SyncServer;
//! use serde_json::json;
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sync = SyncServer::builder().history(500).build();
//! let server = sync.clone().serve("127.0.0.1:8080").await?;
//! println!("ws://{}/ws", server.local_addr());
//! // From a background job: subscribers of "Ticker" get an update.
//! sync.publish("Ticker", "ACME", json!({ "price": 101.5 })).await?;
//! server.wait().await;
//! # Ok(()) }
//! ```
//!
//! ## In an existing axum app, with authentication and authorization
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use leptos_sync_server::{Action, Principal, Reject, SyncServer};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//!
//! let sync = SyncServer::builder()
//!     // Who is it? Check the token of `hello` (a session id, a JWT) here.
//!     .authenticate(|token| async move {
//!         match token.as_deref() {
//!             Some("editor-secret") => Ok(Principal::new("editor")),
//!             Some("viewer-secret") => Ok(Principal::new("viewer")),
//!             _ => Err(Reject::Unauthorized), // closes with 4401
//!         }
//!     })
//!     // May they? A denial answers `error` `forbidden`; the connection stays.
//!     .authorize(|who, action| match action {
//!         Action::Mutate { .. } if who.id == "viewer" => Err("viewers only read".into()),
//!         Action::Subscribe { topic } if topic.starts_with("admin") => Err("admins only".into()),
//!         _ => Ok(()),
//!     })
//!     .build();
//! let app = Router::new()
//!     .route("/health", get(|| async { "ok" })) // your own routes
//!     .merge(sync.router()); // the protocol at /ws
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! With the `control` feature and its `control` option on, it also serves the
//! fault-injection API under `/control` that the project's browser and
//! end-to-end tests use.

#![warn(missing_docs)]
// docs.rs (nightly) marks the items of the `redis` and `control` features.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admission;
#[cfg(feature = "control")]
mod chaos;
mod config;
#[cfg(feature = "control")]
mod control;
mod engine;
mod events;
mod fanout;
mod faults;
mod health;
mod hooks;
mod lifecycle;
mod limits;
mod memory;
#[cfg(feature = "control")]
mod monitor;
mod queue;
#[cfg(feature = "redis")]
mod redis;
mod requests;
mod server;
mod shutdown;
#[cfg(feature = "testing")]
pub mod testing;
mod update;
mod ws;

pub use config::Config;
pub use engine::{
    Applied, Change, Deliver, Engine, EngineError, IfAbsent, Join, Joined, Readiness, RequestClaim,
    Start, TopicState,
};
pub use events::{ConnId, Connected, EventTarget, ServerEvent};
pub use hooks::{Action, Mutation, Principal, Reject};
pub use leptos_sync_protocol::topic;
pub use leptos_sync_protocol::{ResponseError, SyncRequest};
pub use memory::{DEDUP_CAPACITY, MemoryEngine};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisEngine, RedisOptions};
pub use server::{Server, SyncServer, SyncServerBuilder};

/// Binds to `config.addr:config.port` and serves a [`SyncServer`] built
/// from `config` in the background.
///
/// ```
/// use leptos_sync_server::{Config, serve};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// let server = serve(Config { history: 100, ..Config::default() }).await?; // port 0: a free one
/// assert_ne!(server.local_addr().port(), 0);
/// # Ok(()) }
/// ```
pub async fn serve(config: Config) -> std::io::Result<Server> {
    serve_with(config, |router| router).await
}

/// Like [`serve`], with the routes passed through `extend` first (for
/// example to add a static fallback).
///
/// ```no_run
/// use leptos_sync_server::{Config, serve_with};
/// # async fn demo() -> std::io::Result<()> {
/// let config = Config { port: 8080, ..Config::default() };
/// let server = serve_with(config, |routes| routes.fallback(|| async { "not found" })).await?;
/// server.wait().await;
/// # Ok(()) }
/// ```
pub async fn serve_with(
    config: Config,
    extend: impl FnOnce(axum::Router) -> axum::Router,
) -> std::io::Result<Server> {
    let addr = (config.addr, config.port);
    let sync = SyncServer::builder().config(config).build();
    sync.serve_with(addr, extend).await
}

// The README's examples are compiled (and run) as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
