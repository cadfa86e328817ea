//! Whether Redis answers: a probe task pings it a few times a second and
//! tells the server (through [`Engine::readiness`](crate::Engine::readiness))
//! once neither the commands nor the pub/sub connection have worked for
//! longer than the grace, and again as soon as both work.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::watch;
use tokio::time::Instant;

use super::pubsub::Watches;
use crate::engine::Readiness;

/// Probes at most this far apart.
const MAX_EVERY: Duration = Duration::from_millis(250);

/// Runs the probe until aborted, telling `ready` what it finds. A short
/// outage (a reconnect, a pub/sub connection killed and back at once) stays
/// within `grace` and is not reported.
pub(super) async fn run(
    mut conn: ConnectionManager,
    watches: Arc<Watches>,
    grace: Duration,
    ready: watch::Sender<Readiness>,
) {
    let every = (grace / 4).clamp(Duration::from_millis(10), MAX_EVERY);
    // A PING that hangs (a stopped Redis) is a failure too.
    let patience = (grace / 2).max(every);
    // Counted from the start: a Redis that never comes is reported too.
    let mut last_ok = Instant::now();
    loop {
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<()>(&mut conn);
        let failure = match tokio::time::timeout(patience, ping).await {
            Ok(Ok(())) if watches.sink().is_some() => None,
            Ok(Ok(())) => Some("redis: the pub/sub connection is down".to_owned()),
            Ok(Err(e)) => Some(format!("redis: {e}")),
            Err(_) => Some(format!("redis: no answer to PING within {patience:?}")),
        };
        match failure {
            None => {
                last_ok = Instant::now();
                ready.send_if_modified(|now| !now.is_ready() && set(now, Readiness::Ready));
            }
            Some(reason) if last_ok.elapsed() >= grace => {
                // The first reason stays: watchers are told of a change of state only.
                ready.send_if_modified(|now| {
                    now.is_ready() && set(now, Readiness::NotReady(reason))
                });
            }
            Some(_) => {}
        }
        tokio::time::sleep(every).await;
    }
}

fn set(slot: &mut Readiness, to: Readiness) -> bool {
    *slot = to;
    true
}
