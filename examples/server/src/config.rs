//! Command-line and in-process configuration.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

/// How the server runs. Parse it from the command line with [`Config::parse`],
/// or build it in code from [`Config::default`] (which reads no environment).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "leptos-sync-server",
    version,
    about = "Reference server for the leptos-sync protocol v1"
)]
pub struct Config {
    /// Port to listen on; 0 picks a free one (the bound port is printed).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
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
    #[arg(long, default_value_t = 1000)]
    pub history: usize,

    /// Ping interval suggested to clients in `welcome`, in ms.
    #[arg(long, default_value_t = 30_000)]
    pub heartbeat_ms: u64,

    /// Publish demo prices to the topic "Ticker" about once a second.
    #[arg(long)]
    pub demo_data: bool,

    /// Largest text frame answered normally, in bytes; larger ones get `too_large`.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_frame: usize,
}

impl Default for Config {
    /// The command-line defaults, on port 0 (so tests never collide).
    fn default() -> Self {
        Self {
            port: 0,
            addr: IpAddr::from([127, 0, 0, 1]),
            static_dir: None,
            control: false,
            token: None,
            history: 1000,
            heartbeat_ms: 30_000,
            demo_data: false,
            max_frame: 1 << 20,
        }
    }
}

impl Config {
    /// The token if one is required; an empty string means none.
    pub(crate) fn required_token(&self) -> Option<String> {
        self.token.clone().filter(|t| !t.is_empty())
    }
}
