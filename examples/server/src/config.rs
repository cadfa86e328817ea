//! Command-line and in-process configuration.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

/// The defaults, written once for the command line and [`Config::default`].
mod defaults {
    use std::net::{IpAddr, Ipv4Addr};

    /// Port on the command line; [`Config::default`](super::Config::default) uses 0.
    pub const PORT: u16 = 8080;
    /// Address to listen on.
    pub const ADDR: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    /// Updates kept per topic.
    pub const HISTORY: usize = 1000;
    /// Ping interval suggested in `welcome`, in ms.
    pub const HEARTBEAT_MS: u64 = 30_000;
    /// Largest text frame answered normally, in bytes.
    pub const MAX_FRAME: usize = 1 << 20;
}

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
    #[arg(long, env = "PORT", default_value_t = defaults::PORT)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, default_value_t = defaults::ADDR)]
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
    #[arg(long, default_value_t = defaults::HISTORY)]
    pub history: usize,

    /// Ping interval suggested to clients in `welcome`, in ms.
    #[arg(long, default_value_t = defaults::HEARTBEAT_MS)]
    pub heartbeat_ms: u64,

    /// Publish demo prices to the topic "Ticker" about once a second.
    #[arg(long)]
    pub demo_data: bool,

    /// Largest text frame answered normally, in bytes; larger ones get `too_large`.
    #[arg(long, default_value_t = defaults::MAX_FRAME)]
    pub max_frame: usize,
}

impl Default for Config {
    /// The command-line defaults, on port 0 (so tests never collide).
    fn default() -> Self {
        Self {
            port: 0,
            addr: defaults::ADDR,
            static_dir: None,
            control: false,
            token: None,
            history: defaults::HISTORY,
            heartbeat_ms: defaults::HEARTBEAT_MS,
            demo_data: false,
            max_frame: defaults::MAX_FRAME,
        }
    }
}

impl Config {
    /// The token if one is required; an empty string means none.
    pub(crate) fn required_token(&self) -> Option<String> {
        self.token.clone().filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_defaults_are_the_in_process_defaults() {
        let command = Config::command();
        // Read from the parser's own definition, so no environment variable interferes.
        let default = |id: &str| {
            let arg = command.get_arguments().find(|a| a.get_id() == id);
            let values = arg.expect(id).get_default_values();
            values.first().map(|v| v.to_string_lossy().into_owned())
        };
        let config = Config::default();
        let expected = [
            ("port", defaults::PORT.to_string()), // Config::default() uses port 0
            ("addr", config.addr.to_string()),
            ("history", config.history.to_string()),
            ("heartbeat_ms", config.heartbeat_ms.to_string()),
            ("max_frame", config.max_frame.to_string()),
        ];
        for (id, value) in expected {
            assert_eq!(default(id), Some(value), "--{id}");
        }
        assert_eq!(config.port, 0);
    }
}
