//! The policies: what to wait before attempt `n`, given a random sample.

use std::fmt;
use std::sync::Arc;

use super::MAX_DELAY_MS;
use crate::validate::Check;

/// How random spread is added to an exponential delay.
///
/// Jitter is always applied after the cap, so clients that all reached the cap
/// still spread out instead of retrying in lockstep.
///
/// ```
/// use leptos_sync_core::{Exponential, Jitter, ReconnectPolicy};
///
/// let spread = |jitter| ReconnectPolicy::Exponential(Exponential { initial_ms: 1_000, max_ms: 8_000, multiplier: 2.0, jitter }).bounds(3);
/// assert_eq!(spread(Jitter::Full), Some((1_000, 5_000)));
/// assert_eq!(spread(Jitter::Equal), Some((2_000, 4_000)));
/// assert_eq!(spread(Jitter::Proportional(0.25)), Some((3_000, 5_000)));
/// assert_eq!(spread(Jitter::None), Some((4_000, 4_000)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// `initial + U[0, min(max - initial, initial·multiplier^(n-1))]`: full
    /// jitter with a floor (centrifuge-js style). The default; AWS's analysis
    /// shows full jitter does the least total work in a storm.
    Full,
    /// `e/2 + U[0, e/2]` where `e = min(max, initial·multiplier^(n-1))`.
    Equal,
    /// `e · U[1-f, 1+f]`: ± a fraction `f` around the capped delay. A fraction
    /// outside `[0, 1]` is clamped into it, and one that is not a number counts as 0.
    Proportional(f64),
    /// Exactly `e`. Only for tests and demos: synchronised clients storm the server.
    None,
}

/// Exponential growth from `initial_ms` by `multiplier`, capped at `max_ms`.
///
/// The default is `initial_ms: 500, max_ms: 5_000, multiplier: 2.0` with
/// [`Jitter::Full`]: the first retry after 0.5–1 s, then windows of
/// `[500, 1500]`, `[500, 2500]`, `[500, 4500]`, and `[500, 5000]` ms from the
/// fifth retry on (about 22 attempts a minute while the server stays away,
/// each a failed connect that costs the server nothing). The
/// reconnect-storm benchmark (BENCHMARKS.md, "Tuning") chose it: every
/// client makes its first attempt within 5 s of the server's return, so a
/// server with admission slots (4429 `retry-after=<ms>; exact`) has them all
/// back at its admission rate (p99 about N / R), and against a server that
/// only refuses its p99 stays under socket.io's at a peak within 1.2 × its.
/// An application that prefers fewer retries during long outages can raise
/// `max_ms` (20 s was the default before).
///
/// ```
/// use leptos_sync_core::backoff::{Exponential, Jitter};
///
/// let e = Exponential::default();
/// assert_eq!((e.initial_ms, e.max_ms, e.jitter), (500, 5_000, Jitter::Full));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    /// Delay scale of the first retry, and the floor of [`Jitter::Full`].
    /// Above `max_ms`, `max_ms` is used.
    pub initial_ms: u64,
    /// Cap of the exponential part; at most [`MAX_DELAY_MS`].
    pub max_ms: u64,
    /// Growth factor per attempt. Below 1, or not a number, it counts as 1.
    pub multiplier: f64,
    /// Random spread.
    pub jitter: Jitter,
}

impl Default for Exponential {
    fn default() -> Self {
        Self {
            initial_ms: 500,
            max_ms: 5_000,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }
    }
}

impl Exponential {
    fn max(&self) -> u64 {
        self.max_ms.min(MAX_DELAY_MS)
    }

    fn initial(&self) -> u64 {
        self.initial_ms.min(self.max())
    }

    fn growth(&self) -> f64 {
        // NaN fails the comparison too.
        if self.multiplier >= 1.0 {
            self.multiplier
        } else {
            1.0
        }
    }

    /// `min(max, initial·multiplier^(n-1))`.
    fn capped(&self, attempt: u32) -> f64 {
        let initial = self.initial() as f64;
        if initial == 0.0 {
            return 0.0; // 0 · ∞ would be NaN
        }
        let exp = attempt.saturating_sub(1).min(64) as i32;
        (initial * self.growth().powi(exp)).min(self.max() as f64)
    }

    fn window(&self, attempt: u32) -> Window {
        let e = self.capped(attempt);
        let (lo, hi) = match self.jitter {
            Jitter::Full => {
                let floor = self.initial() as f64;
                (floor, floor + (self.max() as f64 - floor).min(e))
            }
            Jitter::Equal => (e / 2.0, e),
            Jitter::Proportional(f) => {
                let f = fraction(f);
                (e * (1.0 - f), e * (1.0 + f))
            }
            Jitter::None => (e, e),
        };
        let (lo, hi) = (lo.round() as u64, hi.round() as u64);
        Window {
            lo,
            span: hi.saturating_sub(lo) as f64,
        }
    }

    pub(super) fn validate(&mut self, check: &mut Check) {
        check.at_most("reconnect.policy.max_ms", &mut self.max_ms, MAX_DELAY_MS);
        let initial = self.initial();
        check.fix(
            "reconnect.policy.initial_ms",
            &mut self.initial_ms,
            initial,
            "exceeds max_ms",
        );
        let growth = self.growth();
        check.fix(
            "reconnect.policy.multiplier",
            &mut self.multiplier,
            growth,
            "is not a number of at least 1",
        );
        if let Jitter::Proportional(f) = &mut self.jitter {
            let valid = fraction(*f);
            check.fix(
                "reconnect.policy.jitter",
                f,
                valid,
                "is not a fraction in [0, 1]",
            );
        }
    }
}

/// The fraction of [`Jitter::Proportional`] in force.
fn fraction(f: f64) -> f64 {
    if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) }
}

/// The waits one retry can take: `lo + round(span · r)` for a sample `r` in
/// `[0, 1]`, at most [`MAX_DELAY_MS`]. Delays and their bounds both come from
/// here, so they cannot disagree.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub(super) lo: u64,
    pub(super) span: f64,
}

impl Window {
    pub(super) fn exact(ms: u64) -> Self {
        Self { lo: ms, span: 0.0 }
    }

    pub(super) fn at(self, random: f64) -> u64 {
        let r = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        self.lo
            .saturating_add((self.span * r).round() as u64)
            .min(MAX_DELAY_MS)
    }

    pub(super) fn bounds(self) -> (u64, u64) {
        (self.at(0.0), self.at(1.0))
    }
}

/// A delay function of the attempt number (1-based); `None` stops retrying.
///
/// ```
/// use std::sync::Arc;
/// use leptos_sync_core::ReconnectPolicy;
///
/// // 1 s, 2 s, 3 s, then give up.
/// let policy = ReconnectPolicy::Custom(Arc::new(|attempt| (attempt <= 3).then(|| u64::from(attempt) * 1_000)));
/// assert_eq!(policy.delay(2, 0.5), Some(2_000));
/// assert_eq!(policy.delay(4, 0.5), None);
/// ```
pub type CustomDelay = Arc<dyn Fn(u32) -> Option<u64> + Send + Sync>;

/// What to wait before reconnect attempt `n` (1-based).
///
/// ```
/// use leptos_sync_core::{ReconnectOptions, ReconnectPolicy};
///
/// // A kiosk that retries every 5 s, forever.
/// let kiosk = ReconnectOptions { policy: ReconnectPolicy::Fixed(5_000), ..Default::default() };
/// assert_eq!(kiosk.bounds(100), Some((5_000, 5_000)));
/// // An admin page that reconnects only when asked.
/// let manual = ReconnectOptions { policy: ReconnectPolicy::Never, ..Default::default() };
/// assert_eq!(manual.bounds(1), None);
/// ```
#[derive(Clone)]
pub enum ReconnectPolicy {
    /// Exponential growth with jitter; see [`Exponential`].
    Exponential(Exponential),
    /// The same delay every time; at most [`MAX_DELAY_MS`].
    Fixed(u64),
    /// Never reconnect on its own; only `open()` connects.
    Never,
    /// A function of the attempt number; returning `None` gives up. It must
    /// be pure (the same answer for the same attempt); a delay above
    /// [`MAX_DELAY_MS`] waits [`MAX_DELAY_MS`].
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
    /// The policy's delay before attempt `attempt` (1-based), given a uniform
    /// sample `random` in `[0, 1)`; `None` means do not retry. The machine
    /// waits [`ReconnectOptions::next_delay`](super::ReconnectOptions::next_delay), which builds on this.
    ///
    /// ```
    /// use leptos_sync_core::{Exponential, Jitter, ReconnectPolicy};
    ///
    /// let policy = ReconnectPolicy::Exponential(Exponential { initial_ms: 1_000, max_ms: 8_000, multiplier: 2.0, jitter: Jitter::Full });
    /// assert_eq!(policy.delay(3, 0.0), Some(1_000)); // the floor
    /// assert_eq!(policy.delay(3, 1.0), Some(5_000)); // the top: the floor plus 1 s · 2²
    /// ```
    pub fn delay(&self, attempt: u32, random: f64) -> Option<u64> {
        self.window(attempt).map(|w| w.at(random))
    }

    /// The inclusive range [`delay`](Self::delay) can return for `attempt`.
    ///
    /// ```
    /// use leptos_sync_core::ReconnectPolicy;
    /// assert_eq!(ReconnectPolicy::Fixed(750).bounds(9), Some((750, 750)));
    /// assert_eq!(ReconnectPolicy::Never.bounds(1), None);
    /// ```
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        self.window(attempt).map(Window::bounds)
    }

    pub(super) fn window(&self, attempt: u32) -> Option<Window> {
        match self {
            Self::Exponential(e) => Some(e.window(attempt)),
            Self::Fixed(ms) => Some(Window::exact(*ms)),
            Self::Never => None,
            Self::Custom(f) => f(attempt).map(Window::exact),
        }
    }
}
