//! The reconnect policies under test: ours (through the library) and the peers' defaults.

use super::*;

/// A setting an application can choose instead of the default (see
/// BENCHMARKS.md): full jitter's window `[initial, max]` makes the restore
/// tail about twice the mean retry period; ±50 % around a short cap keeps the
/// same load with a shorter tail, and the ×4 growth still spreads the first
/// retries (0.25–0.75 s, then 1–3 s). Not the default, which is full
/// jitter with a floor.
pub(super) fn alternative() -> ReconnectOptions {
    ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms: 500,
            max_ms: 5_500,
            multiplier: 4.0,
            jitter: Jitter::Proportional(0.5),
        }),
        ..ReconnectOptions::default()
    }
}

/// The default until the reconnect-storm tuning with admission slots:
/// full jitter up to 20 s. Kept as a row to compare with.
pub(super) fn old_default() -> ReconnectOptions {
    ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms: 500,
            max_ms: 20_000,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }),
        ..ReconnectOptions::default()
    }
}

// ---------------------------------------------------------------------------
// Policies

/// A client's reconnect schedule.
#[derive(Clone)]
pub(super) enum Policy {
    /// Our library, through `ReconnectOptions::next_delay`.
    Ours(ReconnectOptions),
    /// socket.io-client `Backoff`: `min(5000, 1000·2ⁿ·(1 ± 0.5·r))`, jitter before the cap.
    SocketIo,
    /// phoenix.js `reconnectAfterMs`: a fixed table, then 5 s; no jitter.
    Phoenix,
    /// graphql-ws `retryWait`: `1000·2ⁿ + U[300, 3000)`; gives up after 5 retries.
    GraphqlWs,
    /// centrifuge-js `backoff`: `min(20000, 500 + U[0, min(20000, 500·2ⁿ)])`.
    Centrifuge,
    /// reconnecting-websocket: `min(10000, m·1.3ⁿ)` where `m = 1000 + rand·4000`
    /// is drawn once per page (a module-level default), so once per client.
    Rws,
    /// The reference client of our docs: `min(60000, 1000·1.5ⁿ)·U[0.5, 1]`, 10 retries.
    DocsReference,
}

impl Policy {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Self::Ours(_) => "ours",
            Self::SocketIo => "socket.io",
            Self::Phoenix => "Phoenix",
            Self::GraphqlWs => "graphql-ws",
            Self::Centrifuge => "centrifuge-js",
            Self::Rws => "reconnecting-websocket",
            Self::DocsReference => "docs reference client",
        }
    }

    /// The wait before retry `attempt` (1-based, as the machine counts) after
    /// `close`; `None` gives up. Only ours reads a 4429's retry-after.
    pub(super) fn delay(
        &self,
        attempt: u32,
        close: Close<'_>,
        client: &Client,
        rng: &mut fastrand::Rng,
    ) -> Option<u64> {
        // The peers count retries from 0.
        let n = attempt - 1;
        match self {
            Self::Ours(opts) => opts.next_delay(attempt, close, || rng.f64()),
            Self::SocketIo => {
                let ms = 1_000.0 * 2f64.powi(n.min(62) as i32);
                let rand = rng.f64();
                let deviation = (rand * 0.5 * ms).floor();
                let ms = if ((rand * 10.0).floor() as u64) & 1 == 0 {
                    ms - deviation
                } else {
                    ms + deviation
                };
                Some(ms.min(5_000.0) as u64)
            }
            Self::Phoenix => Some(
                [10, 50, 100, 150, 200, 250, 500, 1_000, 2_000]
                    .get(n as usize)
                    .copied()
                    .unwrap_or(5_000),
            ),
            Self::GraphqlWs => (n < 5).then(|| (1_000u64 << n) + rng.u64(300..3_000)),
            Self::Centrifuge => {
                let interval = rng.u64(0..=(500u64 << n.min(31)).min(20_000));
                Some((500 + interval).min(20_000))
            }
            Self::Rws => {
                let ms = client.rws_min_ms * 1.3f64.powi(n.min(200) as i32);
                Some(ms.min(10_000.0) as u64)
            }
            Self::DocsReference => (n < 10).then(|| {
                let e = (1_000.0 * 1.5f64.powi(n as i32)).min(60_000.0);
                (e * (0.5 + 0.5 * rng.f64())).round() as u64
            }),
        }
    }
}
