//! Reconnect policies: how long to wait before attempt `n`.
//!
//! Randomness is passed in (a uniform sample in `[0, 1)`), so the policies are
//! deterministic under test and the core stays free of I/O.

use std::fmt;
use std::sync::Arc;

/// How random spread is added to an exponential delay.
///
/// Jitter is always applied after the cap, so clients that all reached the cap
/// still spread out instead of retrying in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// `initial + U[0, min(max - initial, initial·multiplier^(n-1))]`: full
    /// jitter with a floor (centrifuge-js style). The default; AWS's analysis
    /// shows full jitter does the least total work in a storm.
    Full,
    /// `e/2 + U[0, e/2]` where `e = min(max, initial·multiplier^(n-1))`.
    Equal,
    /// `e · U[1-f, 1+f]`: ± a fraction `f` (clamped to `[0, 1]`) around the capped delay.
    Proportional(f64),
    /// Exactly `e`. Only for tests and demos: synchronised clients storm the server.
    None,
}

/// Exponential growth from `initial_ms` by `multiplier`, capped at `max_ms`.
///
/// The default is `initial_ms: 500, max_ms: 20_000, multiplier: 2.0` with
/// [`Jitter::Full`]: the first retry after 0.5–1 s, then windows of
/// `[500, 1500]`, `[500, 2500]`, … up to `[500, 20000]` ms from the seventh
/// retry on (about 6 attempts a minute while the server stays away). The
/// reconnect-storm benchmark (BENCHMARKS.md) keeps it: no full-jitter setting
/// with a first retry within 1 s reliably beats more of the compared clients
/// after a 30 s outage, and the closest ones retry about twice as often
/// during long outages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    /// Delay scale of the first retry, and the floor of [`Jitter::Full`].
    pub initial_ms: u64,
    /// Cap of the exponential part.
    pub max_ms: u64,
    /// Growth factor per attempt.
    pub multiplier: f64,
    /// Random spread.
    pub jitter: Jitter,
}

impl Default for Exponential {
    fn default() -> Self {
        Self {
            initial_ms: 500,
            max_ms: 20_000,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }
    }
}

impl Exponential {
    fn capped(&self, attempt: u32) -> f64 {
        let exp = attempt.saturating_sub(1).min(64) as i32;
        (self.initial_ms as f64 * self.multiplier.powi(exp)).min(self.max_ms as f64)
    }

    fn delay(&self, attempt: u32, random: f64) -> u64 {
        let (lo, hi) = self.bounds(attempt);
        (lo as f64 + (hi - lo) as f64 * random.clamp(0.0, 1.0)).round() as u64
    }

    fn bounds(&self, attempt: u32) -> (u64, u64) {
        let e = self.capped(attempt);
        let (lo, hi) = match self.jitter {
            Jitter::Full => {
                let floor = self.initial_ms.min(self.max_ms) as f64;
                let spread = (self.max_ms as f64 - floor).min(e);
                (floor, floor + spread)
            }
            Jitter::Equal => (e / 2.0, e),
            Jitter::Proportional(f) => {
                let f = f.clamp(0.0, 1.0);
                (e * (1.0 - f), e * (1.0 + f))
            }
            Jitter::None => (e, e),
        };
        (lo.round() as u64, hi.round() as u64)
    }
}

/// A delay function of the attempt number (1-based); `None` stops retrying.
pub type CustomDelay = Arc<dyn Fn(u32) -> Option<u64> + Send + Sync>;

/// What to wait before reconnect attempt `n` (1-based).
#[derive(Clone)]
pub enum ReconnectPolicy {
    /// Exponential growth with jitter; see [`Exponential`].
    Exponential(Exponential),
    /// The same delay every time.
    Fixed(u64),
    /// Never reconnect on its own; only `open()` connects.
    Never,
    /// A function of the attempt number; returning `None` gives up.
    Custom(CustomDelay),
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self::Exponential(Exponential::default())
    }
}

impl fmt::Debug for ReconnectPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exponential(e) => f.debug_tuple("Exponential").field(e).finish(),
            Self::Fixed(ms) => f.debug_tuple("Fixed").field(ms).finish(),
            Self::Never => f.write_str("Never"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `attempt` (1-based), given a uniform sample
    /// `random` in `[0, 1)`; `None` means do not retry.
    pub fn delay(&self, attempt: u32, random: f64) -> Option<u64> {
        match self {
            Self::Exponential(e) => Some(e.delay(attempt, random)),
            Self::Fixed(ms) => Some(*ms),
            Self::Never => None,
            Self::Custom(f) => f(attempt),
        }
    }

    /// The inclusive range [`delay`](Self::delay) can return for `attempt`.
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        match self {
            Self::Exponential(e) => Some(e.bounds(attempt)),
            Self::Fixed(ms) => Some((*ms, *ms)),
            Self::Never => None,
            Self::Custom(f) => f(attempt).map(|d| (d, d)),
        }
    }
}

/// The reconnect schedule: a policy plus the rules around it.
#[derive(Debug, Clone)]
pub struct ReconnectOptions {
    /// Delay per attempt.
    pub policy: ReconnectPolicy,
    /// Extra wait added before the first retry after a disconnect.
    pub delay_offset_ms: u64,
    /// Give up after this many failed attempts and go to `Failed`. `None`: never give up.
    pub max_attempts: Option<u32>,
    /// The attempt counter resets only after a connection stayed open this long,
    /// so a server that accepts and drops at once cannot reset the backoff.
    pub stable_uptime_ms: u64,
    /// Lower bound for a server's `retry-after` (close 4429).
    pub retry_after_floor_ms: u64,
    /// Upper bound for a server's `retry-after` (close 4429).
    pub retry_after_cap_ms: u64,
}

impl Default for ReconnectOptions {
    fn default() -> Self {
        Self {
            policy: ReconnectPolicy::default(),
            delay_offset_ms: 0,
            max_attempts: None,
            stable_uptime_ms: 5_000,
            retry_after_floor_ms: 500,
            retry_after_cap_ms: 120_000,
        }
    }
}

impl ReconnectOptions {
    /// The delay before `attempt`, with the offset on the first one; `None` gives up.
    pub fn delay(&self, attempt: u32, random: f64) -> Option<u64> {
        if self.max_attempts.is_some_and(|max| attempt > max) {
            return None;
        }
        let offset = if attempt == 1 {
            self.delay_offset_ms
        } else {
            0
        };
        self.policy.delay(attempt, random).map(|d| d + offset)
    }

    /// The inclusive range [`delay`](Self::delay) can return for `attempt`.
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        if self.max_attempts.is_some_and(|max| attempt > max) {
            return None;
        }
        let offset = if attempt == 1 {
            self.delay_offset_ms
        } else {
            0
        };
        self.policy
            .bounds(attempt)
            .map(|(lo, hi)| (lo + offset, hi + offset))
    }

    /// Clamps a server's `retry-after` into the configured floor and cap.
    pub fn clamp_retry_after(&self, ms: u64) -> u64 {
        ms.clamp(
            self.retry_after_floor_ms,
            self.retry_after_cap_ms.max(self.retry_after_floor_ms),
        )
    }
}
