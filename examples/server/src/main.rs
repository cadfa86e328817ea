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
    // Before the line scripts wait for: a SIGTERM sent right after it must
    // find the handler in place, not kill the process.
    let mut signals = Signals::new()?;
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
        () = signals.next() => {}
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
        () = signals.next() => eprintln!("leptos-sync-server: second signal; exiting"),
    }
    Ok(())
}

/// How long past the spread a shutdown waits for the last connections.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// SIGTERM (what a deploy sends) and Ctrl-C, listened for from creation on.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
