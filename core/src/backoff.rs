//! Reconnect policies: how long to wait before attempt `n`.
//!
//! [`ReconnectOptions::next_delay`] is the one place that decides the wait
//! after a lost connection: the policy's backoff, the offset, the attempt
//! limit, and a shedding server's `retry-after` with its floor, cap and
//! spread. The machine, the test harness and the storm simulator all call it.
//!
//! Randomness is passed in (uniform samples in `[0, 1)`), so the policies are
//! deterministic under test and the core stays free of I/O.

use std::fmt;
use std::sync::Arc;

use leptos_sync_protocol::close_code;

use crate::validate::Check;

/// The longest wait the core schedules, in ms: `2^31 - 1` (about 24.8 days),
/// the most a browser timer can hold. Every delay and timeout is clamped to it.
pub const MAX_DELAY_MS: u64 = i32::MAX as u64;

/// How far a `retry-after` wait is spread: a shed client waits the clamped
/// `retry-after` plus up to this fraction of it again, so the clients a
/// server sheds together do not return together.
pub const RETRY_AFTER_SPREAD: f64 = 0.5;

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
    /// `e · U[1-f, 1+f]`: ± a fraction `f` around the capped delay. A fraction
    /// outside `[0, 1]` is clamped into it, and one that is not a number counts as 0.
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
            max_ms: 20_000,
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

    fn validate(&mut self, check: &mut Check) {
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
struct Window {
    lo: u64,
    span: f64,
}

impl Window {
    fn exact(ms: u64) -> Self {
        Self { lo: ms, span: 0.0 }
    }

    fn at(self, random: f64) -> u64 {
        let r = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        self.lo
            .saturating_add((self.span * r).round() as u64)
            .min(MAX_DELAY_MS)
    }

    fn bounds(self) -> (u64, u64) {
        (self.at(0.0), self.at(1.0))
    }
}

/// A delay function of the attempt number (1-based); `None` stops retrying.
pub type CustomDelay = Arc<dyn Fn(u32) -> Option<u64> + Send + Sync>;

/// What to wait before reconnect attempt `n` (1-based).
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
    /// waits [`ReconnectOptions::next_delay`], which builds on this.
    pub fn delay(&self, attempt: u32, random: f64) -> Option<u64> {
        self.window(attempt).map(|w| w.at(random))
    }

    /// The inclusive range [`delay`](Self::delay) can return for `attempt`.
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        self.window(attempt).map(Window::bounds)
    }

    fn window(&self, attempt: u32) -> Option<Window> {
        match self {
            Self::Exponential(e) => Some(e.window(attempt)),
            Self::Fixed(ms) => Some(Window::exact(*ms)),
            Self::Never => None,
            Self::Custom(f) => f(attempt).map(Window::exact),
        }
    }
}

/// How a connection ended, as far as the reconnect schedule cares: the close
/// code and reason, which carry a shedding server's `retry-after`.
///
/// ```
/// use leptos_sync_core::backoff::Close;
/// use leptos_sync_protocol::close_code;
///
/// assert_eq!(Close::new(close_code::OVERLOADED, "retry-after=2500").retry_after_ms(), Some(2_500));
/// assert_eq!(Close::new(close_code::GOING_AWAY, "retry-after=2500").retry_after_ms(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close<'a> {
    /// The close code (1006 when no close frame arrived).
    pub code: u16,
    /// The close reason.
    pub reason: &'a str,
}

impl<'a> Close<'a> {
    /// A connection lost without a close frame (1006): refused, timed out, or dead.
    pub const ABNORMAL: Close<'static> = Close {
        code: close_code::ABNORMAL,
        reason: "",
    };

    /// A close with this code and reason.
    pub const fn new(code: u16, reason: &'a str) -> Self {
        Self { code, reason }
    }

    /// The server's `retry-after`, for a close 4429 whose reason carries one.
    pub fn retry_after_ms(&self) -> Option<u64> {
        (self.code == close_code::OVERLOADED)
            .then(|| close_code::retry_after_ms(self.reason))
            .flatten()
    }
}

/// The reconnect schedule: a policy plus the rules around it.
#[derive(Debug, Clone)]
pub struct ReconnectOptions {
    /// Delay per attempt.
    pub policy: ReconnectPolicy,
    /// Extra wait added before the first retry after a disconnect; at most [`MAX_DELAY_MS`].
    pub delay_offset_ms: u64,
    /// Give up after this many failed attempts and go to `Failed`. `None`: never
    /// give up; `Some(0)`: never retry on its own.
    pub max_attempts: Option<u32>,
    /// The attempt counter resets only after a connection stayed open this long,
    /// so a server that accepts and drops at once cannot reset the backoff.
    pub stable_uptime_ms: u64,
    /// Lower bound for a server's `retry-after` (close 4429); at most [`MAX_DELAY_MS`].
    pub retry_after_floor_ms: u64,
    /// Upper bound for a server's `retry-after` (close 4429), before the spread
    /// of [`RETRY_AFTER_SPREAD`]; at most [`MAX_DELAY_MS`], and below the floor
    /// the floor is used. [`retry_after_max_ms`](Self::retry_after_max_ms) is
    /// the longest wait it allows, spread included.
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
    /// The wait before reconnect attempt `attempt` (1-based) after the
    /// connection ended with `close`; `None` gives up. `random` yields uniform
    /// samples in `[0, 1)`: one for the policy, and one more for the spread of
    /// a `retry-after`.
    ///
    /// The policy, `max_attempts` and the offset (first attempt only) decide
    /// whether to retry and, normally, when. A close 4429 with `retry-after=<ms>`
    /// decides when: that wait clamped to the floor and the cap, plus up to
    /// [`RETRY_AFTER_SPREAD`] of it again. It never revives a policy that gave up.
    /// No wait exceeds [`MAX_DELAY_MS`].
    ///
    /// ```
    /// use leptos_sync_core::backoff::{Close, ReconnectOptions, ReconnectPolicy};
    /// use leptos_sync_protocol::close_code::OVERLOADED;
    ///
    /// let opts = ReconnectOptions { policy: ReconnectPolicy::Fixed(1_000), ..Default::default() };
    /// assert_eq!(opts.next_delay(3, Close::ABNORMAL, || 0.5), Some(1_000));
    /// // A shedding server says when: 2 s, plus up to half again.
    /// assert_eq!(opts.next_delay(3, Close::new(OVERLOADED, "retry-after=2000"), || 0.5), Some(2_500));
    /// assert_eq!(opts.next_delay_bounds(3, Close::new(OVERLOADED, "retry-after=2000")), Some((2_000, 3_000)));
    /// ```
    pub fn next_delay(
        &self,
        attempt: u32,
        close: Close<'_>,
        mut random: impl FnMut() -> f64,
    ) -> Option<u64> {
        // The policy's sample is drawn even when it is not used, so that a
        // seeded run draws the same samples whatever the close.
        let own = random();
        let (policy, server) = self.windows(attempt, close)?;
        Some(match server {
            Some(server) => server.at(random()),
            None => policy.at(own),
        })
    }

    /// The inclusive range [`next_delay`](Self::next_delay) can return; `None` when it gives up.
    pub fn next_delay_bounds(&self, attempt: u32, close: Close<'_>) -> Option<(u64, u64)> {
        let (policy, server) = self.windows(attempt, close)?;
        Some(server.unwrap_or(policy).bounds())
    }

    /// [`next_delay_bounds`](Self::next_delay_bounds) for a close without `retry-after`.
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        self.next_delay_bounds(attempt, Close::ABNORMAL)
    }

    /// Clamps a server's `retry-after` into the floor and the cap (the floor
    /// wins over a lower cap); the spread comes on top.
    pub fn clamp_retry_after(&self, ms: u64) -> u64 {
        let floor = self.retry_after_floor_ms.min(MAX_DELAY_MS);
        let cap = self.retry_after_cap_ms.min(MAX_DELAY_MS).max(floor);
        ms.clamp(floor, cap)
    }

    /// The longest a close 4429 can make the client wait: the cap plus
    /// [`RETRY_AFTER_SPREAD`] of it, 180,000 ms with the defaults.
    ///
    /// ```
    /// use leptos_sync_core::backoff::ReconnectOptions;
    /// assert_eq!(ReconnectOptions::default().retry_after_max_ms(), 180_000);
    /// ```
    pub fn retry_after_max_ms(&self) -> u64 {
        self.retry_after_window(u64::MAX).bounds().1
    }

    fn retry_after_window(&self, ms: u64) -> Window {
        let base = self.clamp_retry_after(ms);
        Window {
            lo: base,
            span: base as f64 * RETRY_AFTER_SPREAD,
        }
    }

    /// The policy's window (with the offset) and the server's, if it said when.
    fn windows(&self, attempt: u32, close: Close<'_>) -> Option<(Window, Option<Window>)> {
        if self.max_attempts.is_some_and(|max| attempt > max) {
            return None;
        }
        let mut policy = self.policy.window(attempt)?;
        if attempt == 1 {
            policy.lo = policy.lo.saturating_add(self.delay_offset_ms);
        }
        let server = close.retry_after_ms().map(|ms| self.retry_after_window(ms));
        Some((policy, server))
    }

    pub(crate) fn validate(&mut self, check: &mut Check) {
        match &mut self.policy {
            ReconnectPolicy::Exponential(e) => e.validate(check),
            ReconnectPolicy::Fixed(ms) => check.at_most("reconnect.policy", ms, MAX_DELAY_MS),
            ReconnectPolicy::Never | ReconnectPolicy::Custom(_) => {}
        }
        check.at_most(
            "reconnect.delay_offset_ms",
            &mut self.delay_offset_ms,
            MAX_DELAY_MS,
        );
        let floor = &mut self.retry_after_floor_ms;
        check.at_most("reconnect.retry_after_floor_ms", floor, MAX_DELAY_MS);
        let cap = &mut self.retry_after_cap_ms;
        check.at_most("reconnect.retry_after_cap_ms", cap, MAX_DELAY_MS);
        let valid = (*cap).max(self.retry_after_floor_ms);
        check.fix(
            "reconnect.retry_after_cap_ms",
            cap,
            valid,
            "is below retry_after_floor_ms",
        );
    }
}
