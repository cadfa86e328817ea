//! `leptos-sync-server`: the reference server (see README.md).

use std::io::Write;

use clap::Parser;
use leptos_sync_reference_server::{Args, start};

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        eprintln!("leptos-sync-server: {e}");
        std::process::exit(1);
    }
}

/// Serves until Ctrl-C, after printing the one line scripts wait for:
/// `leptos-sync-server listening on ADDR:PORT`.
async fn run(args: Args) -> std::io::Result<()> {
    let server = start(&args).await?;
    // A process of its own: `POST /control/crash` may end it.
    server.sync().allow_crash();
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
