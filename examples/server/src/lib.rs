//! The reference binary `leptos-sync-server` as a library, so its tests can
//! start it in process: the command line ([`Args`]), and [`start`], which
//! builds a [`SyncServer`] as an application would, with its [`rules`], the
//! fault-control API, an optional static directory and the optional demo feed.

#![warn(missing_docs)]

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use leptos_sync_server::{Config, RedisEngine, RedisOptions, Server, SyncServer};
use tower_http::services::{ServeDir, ServeFile};

pub mod demo_data;
pub mod joins;
pub mod methods;
pub mod rules;

/// The command line of `leptos-sync-server`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "leptos-sync-server",
    version,
    about = "Reference server for the leptos-sync protocol v1"
)]
pub struct Args {
    /// Port to listen on; 0 picks a free one (the bound port is printed).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, default_value_t = Config::ADDR)]
    pub addr: IpAddr,

    /// Serve this directory (the built demo) at `/`, with an index.html fallback.
    #[arg(long = "static", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,

    /// Enable the fault-injection endpoints under /control (loopback peers only).
    #[arg(long)]
    pub control: bool,

    /// Token every `hello` must carry; without one any token is accepted.
    #[arg(long, env = "SYNC_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Updates kept per topic for resuming subscriptions.
    #[arg(long, default_value_t = Config::HISTORY)]
    pub history: usize,

    /// Keep topics in this Redis (`redis://host:port`), shared with every
    /// node on it, instead of in memory.
    #[arg(long, env = "REDIS_URL", value_name = "URL")]
    pub redis: Option<String>,

    /// Ping interval suggested to clients in `welcome`, in ms.
    #[arg(long, default_value_t = Config::HEARTBEAT_MS)]
    pub heartbeat_ms: u64,

    /// Publish demo prices to the topic "Ticker" about once a second.
    #[arg(long)]
    pub demo_data: bool,

    /// Largest text frame answered normally, in bytes; larger ones get `too_large`.
    #[arg(long, default_value_t = Config::MAX_FRAME)]
    pub max_frame: usize,

    /// Frames queued for one connection before it is closed as a slow consumer (4413).
    #[arg(long, default_value_t = Config::SEND_QUEUE_FRAMES)]
    pub send_queue_frames: usize,

    /// Bytes queued for one connection before it is closed as a slow consumer (4413).
    #[arg(long, default_value_t = Config::SEND_QUEUE_BYTES)]
    pub send_queue_bytes: usize,

    /// Time allowed from the upgrade to `hello` before a close 4408, in ms.
    #[arg(long, default_value_t = Config::HANDSHAKE_TIMEOUT_MS)]
    pub handshake_timeout_ms: u64,

    /// Subscriptions one connection may hold; one more gets `too_many_subscriptions`.
    #[arg(long, default_value_t = Config::MAX_SUBSCRIPTIONS)]
    pub max_subscriptions: usize,

    /// Connections served at once; one more is closed with 4429.
    #[arg(long, default_value_t = Config::MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Mutations one connection may send a second; one more gets `rate_limited`.
    #[arg(long, default_value_t = Config::MUTATIONS_PER_SEC)]
    pub mutations_per_sec: u32,

    /// Frames read from one connection a second (0: no limit); past it the connection is read later.
    #[arg(long, default_value_t = Config::READ_FRAMES_PER_SEC)]
    pub read_frames_per_sec: u32,

    /// Bytes read from one connection a second (0: no limit); past it the connection is read later.
    #[arg(long, default_value_t = Config::READ_BYTES_PER_SEC)]
    pub read_bytes_per_sec: usize,

    /// On SIGTERM or Ctrl-C, the window over which the 1012 closes' `retry-after` is spread, in ms.
    #[arg(long, default_value_t = Config::SHUTDOWN_SPREAD_MS)]
    pub shutdown_spread_ms: u64,

    /// New sessions admitted a second (0: no limit); a connection beyond is
    /// closed with 4429 and an exact slot of its own.
    #[arg(long, default_value_t = Config::ADMISSION_PER_SEC)]
    pub admission_per_sec: u32,

    /// How far ahead admission slots go, in ms; beyond, a connection is closed with 1013.
    #[arg(long, default_value_t = Config::ADMISSION_BACKLOG_MS)]
    pub admission_backlog_ms: u64,

    /// Send every other client a `joined` server event when a client connects (the demo's toast).
    #[arg(long)]
    pub announce_joins: bool,
}

/// Binds and serves in the background, with the static directory and the
/// demo feed when asked for. The demo feed stops with the server.
pub async fn start(args: &Args) -> std::io::Result<Server> {
    let mut builder = SyncServer::builder();
    if let Some(url) = &args.redis {
        let options = RedisOptions {
            history: args.history,
            ..RedisOptions::default()
        };
        let engine = RedisEngine::open(url, options)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        builder = builder.engine(engine);
    }
    if args.announce_joins {
        builder = builder.on_connect(joins::announce);
    }
    // The summary reads the built server's topics: it is set once built. (The
    // server then holds itself through its handler; it lives as long as the process.)
    let built = std::sync::Arc::new(std::sync::OnceLock::new());
    let sync = methods::register(builder, built.clone())
        .history(args.history)
        .heartbeat_ms(args.heartbeat_ms)
        .max_frame(args.max_frame)
        .send_queue(args.send_queue_frames, args.send_queue_bytes)
        .handshake_timeout_ms(args.handshake_timeout_ms)
        .max_subscriptions(args.max_subscriptions)
        .max_connections(args.max_connections)
        .mutations_per_sec(args.mutations_per_sec)
        .read_budget(args.read_frames_per_sec, args.read_bytes_per_sec)
        .shutdown_spread_ms(args.shutdown_spread_ms)
        .admission(args.admission_per_sec, args.admission_backlog_ms)
        .token(args.token.clone().unwrap_or_default())
        .control(args.control)
        .authenticate(rules::authenticate)
        .authorize(rules::authorize)
        .validate(rules::validate)
        .build();
    let _ = built.set(sync.clone());
    let static_dir = args.static_dir.clone();
    let addr = (args.addr, args.port);
    // GET /health: 503 while Redis is away, for a load balancer in front of the nodes.
    let health = sync.health_router();
    let mut server = sync
        .serve_with(addr, |router| {
            let router = router.merge(health);
            match static_dir {
                // Client-side routes of the demo fall back to its index.html.
                Some(dir) => {
                    let index = ServeFile::new(dir.join("index.html"));
                    router.fallback_service(ServeDir::new(dir).fallback(index))
                }
                None => router,
            }
        })
        .await?;
    if args.demo_data {
        let feed = demo_data::spawn(server.sync().clone());
        server.attach(feed);
    }
    Ok(server)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_defaults_are_the_in_process_defaults() {
        let command = Args::command();
        // Read from the parser's own definition, so no environment variable interferes.
        let default = |id: &str| {
            let arg = command.get_arguments().find(|a| a.get_id() == id);
            let values = arg.expect(id).get_default_values();
            values.first().map(|v| v.to_string_lossy().into_owned())
        };
        let config = Config::default();
        let expected = [
            ("port", "8080".to_owned()), // Config::default() uses port 0
            ("addr", config.addr.to_string()),
            ("history", config.history.to_string()),
            ("heartbeat_ms", config.heartbeat_ms.to_string()),
            ("max_frame", config.max_frame.to_string()),
            ("send_queue_frames", config.send_queue_frames.to_string()),
            ("send_queue_bytes", config.send_queue_bytes.to_string()),
            (
                "handshake_timeout_ms",
                config.handshake_timeout_ms.to_string(),
            ),
            ("max_subscriptions", config.max_subscriptions.to_string()),
            ("max_connections", config.max_connections.to_string()),
            ("mutations_per_sec", config.mutations_per_sec.to_string()),
            (
                "read_frames_per_sec",
                config.read_frames_per_sec.to_string(),
            ),
            ("read_bytes_per_sec", config.read_bytes_per_sec.to_string()),
            ("shutdown_spread_ms", config.shutdown_spread_ms.to_string()),
            ("admission_per_sec", config.admission_per_sec.to_string()),
            (
                "admission_backlog_ms",
                config.admission_backlog_ms.to_string(),
            ),
        ];
        for (id, value) in expected {
            assert_eq!(default(id), Some(value), "--{id}");
        }
        assert_eq!(config.port, 0);
    }
}
