//! A server for the leptos-sync protocol v1, as an axum 0.8 integration.
//!
//! It serves `/ws` (the protocol, with in-memory topics). With the `control`
//! feature and [`Config::control`] it also serves the fault-injection API
//! under `/control` that the project's browser and end-to-end tests use.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use leptos_sync_server::{Config, serve};
//! let server = serve(Config::default()).await?;
//! println!("ws://{}/ws", server.local_addr());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[cfg(feature = "control")]
pub mod chaos;
mod config;
#[cfg(feature = "control")]
pub mod control;
mod faults;
#[cfg(feature = "control")]
pub mod monitor;
pub mod state;
mod ws;

pub use config::Config;

/// Shared state of one running server.
pub struct App {
    /// Topics and mutation dedup.
    pub hub: state::Hub,
    /// Connections, faults and statistics.
    #[cfg(feature = "control")]
    pub monitor: monitor::Monitor,
    /// Crash and flap switches.
    #[cfg(feature = "control")]
    pub chaos: chaos::Chaos,
    /// The configuration it was started with.
    pub config: Config,
    /// Per-process nonce, so session ids differ across restarts.
    boot: u64,
    /// The last connection id handed out.
    last_conn: AtomicU64,
}

impl App {
    /// Fresh state for `config`.
    pub fn new(config: Config) -> Self {
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            & 0xffff_ffff;
        Self {
            hub: state::Hub::new(config.history),
            #[cfg(feature = "control")]
            monitor: monitor::Monitor::new(config.required_token()),
            #[cfg(feature = "control")]
            chaos: chaos::Chaos::default(),
            config,
            boot,
            last_conn: AtomicU64::new(0),
        }
    }

    fn next_conn_id(&self) -> state::ConnId {
        self.last_conn.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// The HTTP routes of a server over `app`: `/ws`, and `/control` when enabled.
pub fn router(app: Arc<App>) -> Router {
    let router = Router::new().route("/ws", get(ws::upgrade));
    #[cfg(feature = "control")]
    let router = if app.config.control {
        router.nest("/control", control::router())
    } else {
        router
    };
    router.with_state(app)
}

/// A server running on the current tokio runtime; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    task: JoinHandle<()>,
}

impl Server {
    /// The address it listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its shared state, for tests that inspect topics or statistics directly.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Waits until the server stops (which it only does on an accept error).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds to `config.addr:config.port` and starts serving in the background.
pub async fn serve(config: Config) -> std::io::Result<Server> {
    serve_with(config, |router| router).await
}

/// Like [`serve`], with the routes passed through `extend` first (for
/// example to add a static fallback).
pub async fn serve_with(
    config: Config,
    extend: impl FnOnce(Router) -> Router,
) -> std::io::Result<Server> {
    let listener = TcpListener::bind((config.addr, config.port)).await?;
    let addr = listener.local_addr()?;
    // Small frames (updates, acks, pongs) must leave at once: with Nagle's
    // algorithm a reply waits for the client's delayed ACK, about 40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            eprintln!("leptos-sync-server: TCP_NODELAY: {e}");
        }
    });
    let app = Arc::new(App::new(config));
    let service = extend(router(app.clone())).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, service).await {
            eprintln!("leptos-sync-server: {e}");
        }
    });
    Ok(Server { addr, app, task })
}
