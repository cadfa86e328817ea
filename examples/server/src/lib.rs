//! Reference server for the leptos-sync protocol v1.
//!
//! It serves `/ws` (the protocol, with in-memory topics), optionally a static
//! directory at `/` (the built demo), and with `--control` the fault-injection
//! API under `/control` used by the browser and end-to-end tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use leptos_sync_server::{Config, serve};
//! let server = serve(Config { control: true, ..Config::default() }).await?;
//! println!("ws://{}/ws", server.local_addr());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::services::{ServeDir, ServeFile};

pub mod chaos;
mod config;
pub mod control;
pub mod demo_data;
pub mod monitor;
pub mod state;
mod ws;

pub use config::Config;

/// Shared state of one running server.
pub struct App {
    /// Topics and mutation dedup.
    pub hub: state::Hub,
    /// Connections, faults and statistics.
    pub monitor: monitor::Monitor,
    /// Crash and flap switches.
    pub chaos: chaos::Chaos,
    /// The configuration it was started with.
    pub config: Config,
    /// Per-process nonce, so session ids differ across restarts.
    boot: u64,
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
            monitor: monitor::Monitor::new(config.required_token()),
            chaos: chaos::Chaos::default(),
            config,
            boot,
        }
    }
}

/// The HTTP routes of a server over `app`.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new().route("/ws", get(ws::upgrade));
    if app.config.control {
        router = router.nest("/control", control::router());
    }
    if let Some(dir) = &app.config.static_dir {
        // Client-side routes of the demo fall back to its index.html.
        let index = ServeFile::new(dir.join("index.html"));
        router = router.fallback_service(ServeDir::new(dir).fallback(index));
    }
    router.with_state(app)
}

/// A server running on the current tokio runtime; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    tasks: Vec<JoinHandle<()>>,
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
        if let Some(task) = self.tasks.first_mut() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Binds to `config.addr:config.port` and starts serving in the background.
pub async fn serve(config: Config) -> std::io::Result<Server> {
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
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut tasks = vec![tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, service).await {
            eprintln!("leptos-sync-server: {e}");
        }
    })];
    if app.config.demo_data {
        tasks.push(demo_data::spawn(app.clone()));
    }
    Ok(Server { addr, app, tasks })
}

/// Serves until Ctrl-C, after printing the one line scripts wait for:
/// `leptos-sync-server listening on ADDR:PORT`.
pub async fn run(config: Config) -> std::io::Result<()> {
    let server = serve(config).await?;
    // A process of its own: `POST /control/crash` may end it.
    server.app().chaos.allow_crash();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "leptos-sync-server listening on {}",
        server.local_addr()
    )?;
    out.flush()?;
    drop(out);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = server.wait() => {}
    }
    Ok(())
}
