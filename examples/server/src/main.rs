//! `leptos-sync-server`: see the crate docs of `leptos_sync_server` and README.md.

use clap::Parser;
use leptos_sync_server::{Config, run};

#[tokio::main]
async fn main() {
    if let Err(e) = run(Config::parse()).await {
        eprintln!("leptos-sync-server: {e}");
        std::process::exit(1);
    }
}
