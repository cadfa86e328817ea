//! `leptos-sync-server`: the reference server (see README.md).

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use leptos_sync_reference_server::{Args, start};

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        eprintln!("leptos-sync-server: {e}");
        std::process::exit(1);
    }
}

/// Serves until SIGTERM or Ctrl-C, after printing the one line scripts wait
/// for: `leptos-sync-server listening on ADDR:PORT`. Then it shuts down
/// gracefully: it stops accepting and closes every client with 1012 and a
/// `retry-after` spread over `--shutdown-spread-ms`. A deploy must not hang
/// on a peer that never finishes its side of a connection, so the drain is
/// bounded by that spread plus [`DRAIN_GRACE`]; a second signal ends it at once.
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
    let sync = server.sync().clone();
    let stopped = server.wait();
    tokio::pin!(stopped);
    tokio::select! {
        () = shutdown_signal() => {}
        () = &mut stopped => return Ok(()),
    }
    let drained = async {
        sync.shutdown().await;
        stopped.await;
    };
    let bound = Duration::from_millis(args.shutdown_spread_ms) + DRAIN_GRACE;
    tokio::select! {
        () = drained => {}
        () = tokio::time::sleep(bound) => {
            eprintln!("leptos-sync-server: connections still open after {bound:?}; exiting");
        }
        () = shutdown_signal() => eprintln!("leptos-sync-server: second signal; exiting"),
    }
    Ok(())
}

/// How long past the spread a shutdown waits for the last connections.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// SIGTERM (what a deploy sends) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                eprintln!("leptos-sync-server: no SIGTERM handler: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
