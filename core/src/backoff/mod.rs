//! Reconnect policies: how long to wait before attempt `n`.
//!
//! [`ReconnectOptions::next_delay`] is the one place that decides the wait
//! after a lost connection: the policy's backoff, the offset, the attempt
//! limit, and the `retry-after` of a shedding (4429) or restarting (1012)
//! server, with its floor, cap and spread (or, for an exact admission slot,
//! a small jitter). The machine, the test harness and the storm simulator all call it.
//!
//! Randomness is passed in (uniform samples in `[0, 1)`), so the policies are
//! deterministic under test and the core stays free of I/O.
//!
//! ```
//! use leptos_sync_core::backoff::{Close, ReconnectOptions, ReconnectPolicy};
//!
//! let opts = ReconnectOptions { policy: ReconnectPolicy::Fixed(2_000), ..Default::default() };
//! // Attempt 1 after a lost socket, then after a shedding server's close.
//! assert_eq!(opts.next_delay(1, Close::ABNORMAL, || 0.5), Some(2_000));
//! let (lo, _hi) = opts.next_delay_bounds(1, Close::new(4429, "retry-after=9000")).unwrap();
//! assert_eq!(lo, 9_000);
//! ```

use leptos_sync_protocol::close_code::{self, RetryAfter};

use crate::validate::Check;

mod policy;

use policy::Window;
pub use policy::{CustomDelay, Exponential, Jitter, ReconnectPolicy};

/// The longest wait the core schedules, in ms: `2^31 - 1` (about 24.8 days),
/// the most a browser timer can hold. Every delay and timeout is clamped to it.
///
/// ```
/// use leptos_sync_core::backoff::{MAX_DELAY_MS, ReconnectPolicy};
///
/// // A fixed delay of a year waits as long as a browser timer can.
/// assert_eq!(ReconnectPolicy::Fixed(u64::MAX).bounds(1), Some((MAX_DELAY_MS, MAX_DELAY_MS)));
/// ```
pub const MAX_DELAY_MS: u64 = i32::MAX as u64;

/// How far a `retry-after` wait is spread: a shed or restarted client waits
/// the clamped `retry-after` plus up to this fraction of it again, so the
/// clients a server sends away together do not return together.
///
/// ```
/// use leptos_sync_core::backoff::{Close, RETRY_AFTER_SPREAD, ReconnectOptions};
/// use leptos_sync_protocol::close_code::OVERLOADED;
///
/// let opts = ReconnectOptions { retry_after_floor_ms: 0, ..Default::default() };
/// let (lo, hi) = opts.next_delay_bounds(1, Close::new(OVERLOADED, "retry-after=1000")).unwrap();
/// assert_eq!((lo, hi), (1_000, 1_000 + (1_000.0 * RETRY_AFTER_SPREAD) as u64));
/// ```
pub const RETRY_AFTER_SPREAD: f64 = 0.5;

/// The most a client adds to an exact admission slot (`retry-after=<ms>;
/// exact`), in ms. The server gave each client its own instant, so spreading
/// by [`RETRY_AFTER_SPREAD`] would only make it miss its slot; this small
/// jitter keeps clients that were handed the same instant apart, and stays
/// within the 25 ms a slot server (the `leptos-sync-server` crate) lets a
/// slot's holder be late.
///
/// ```
/// use leptos_sync_core::backoff::{Close, ReconnectOptions, SLOT_JITTER_MS};
/// use leptos_sync_protocol::close_code::OVERLOADED;
///
/// let opts = ReconnectOptions { retry_after_floor_ms: 0, ..Default::default() };
/// let slot = Close::new(OVERLOADED, "retry-after=1000; exact");
/// assert_eq!(opts.next_delay_bounds(1, slot), Some((1_000, 1_000 + SLOT_JITTER_MS)));
/// ```
pub const SLOT_JITTER_MS: u64 = 20;

/// How a connection ended, as far as the reconnect schedule cares: the close
/// code and reason, which carry the `retry-after` of a shedding (4429) or
/// restarting (1012, a graceful shutdown) server.
///
/// ```
/// use leptos_sync_core::backoff::Close;
/// use leptos_sync_protocol::close_code::{self, RetryAfter};
///
/// assert_eq!(Close::new(close_code::OVERLOADED, "retry-after=2500").retry_after_ms(), Some(2_500));
/// assert_eq!(Close::new(close_code::SERVICE_RESTART, "retry-after=700").retry_after_ms(), Some(700));
/// // Other codes do not say when.
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
    ///
    /// ```
    /// use leptos_sync_core::backoff::Close;
    /// assert_eq!(Close::ABNORMAL.code, 1006);
    /// assert_eq!(Close::ABNORMAL.retry_after_ms(), None);
    /// ```
    pub const ABNORMAL: Close<'static> = Close {
        code: close_code::ABNORMAL,
        reason: "",
    };

    /// A close with this code and reason.
    ///
    /// ```
    /// use leptos_sync_core::backoff::Close;
    /// let close = Close::new(4429, "retry-after=3000");
    /// assert_eq!((close.code, close.reason), (4429, "retry-after=3000"));
    /// ```
    pub const fn new(code: u16, reason: &'a str) -> Self {
        Self { code, reason }
    }

    /// The server's `retry-after`, for a close 4429 (overloaded), 1012
    /// (service restart) or 1013 (try again later) whose reason carries one.
    ///
    /// ```
    /// use leptos_sync_core::backoff::Close;
    /// assert_eq!(Close::new(1013, "retry-after=4000").retry_after_ms(), Some(4_000));
    /// assert_eq!(Close::new(4429, "busy").retry_after_ms(), None);
    /// ```
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.retry_after().map(|r| r.ms)
    }

    /// The server's `retry-after` and whether it is an exact slot, for a
    /// close 4429 or 1012 whose reason carries one.
    ///
    /// ```
    /// use leptos_sync_core::backoff::Close;
    /// use leptos_sync_protocol::close_code::{OVERLOADED, RetryAfter};
    ///
    /// let slot = Close::new(OVERLOADED, "retry-after=900; exact").retry_after();
    /// assert_eq!(slot, Some(RetryAfter { ms: 900, exact: true }));
    /// ```
    pub fn retry_after(&self) -> Option<RetryAfter> {
        matches!(
            self.code,
            close_code::OVERLOADED | close_code::SERVICE_RESTART | close_code::TRY_AGAIN_LATER
        )
        .then(|| close_code::retry_after(self.reason))
        .flatten()
    }
}

/// The reconnect schedule: a policy plus the rules around it.
///
/// ```
/// use leptos_sync_core::{Exponential, MachineOptions, ReconnectOptions, ReconnectPolicy};
///
/// // Start slower, stop after 20 failures, and honour a server's retry-after of up to a minute.
/// let reconnect = ReconnectOptions {
///     policy: ReconnectPolicy::Exponential(Exponential { initial_ms: 2_000, max_ms: 60_000, ..Default::default() }),
///     max_attempts: Some(20),
///     retry_after_cap_ms: 60_000,
///     ..Default::default()
/// };
/// let options = MachineOptions { reconnect, ..Default::default() };
/// assert_eq!(options.reconnect.bounds(21), None); // gave up
/// ```
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
    /// Lower bound for a server's `retry-after` (close 4429 or 1012); at most [`MAX_DELAY_MS`].
    pub retry_after_floor_ms: u64,
    /// Upper bound for a server's `retry-after` (close 4429 or 1012), before the spread
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
    /// whether to retry and, normally, when. A close 4429 (shedding) or 1012
    /// (a graceful restart) with `retry-after=<ms>` decides when: that wait
    /// clamped to the floor and the cap, plus up to [`RETRY_AFTER_SPREAD`] of
    /// it again; when the reason marks it `exact` (an admission slot of its
    /// own), plus at most [`SLOT_JITTER_MS`] instead. It never revives a
    /// policy that gave up. No wait exceeds [`MAX_DELAY_MS`].
    ///
    /// ```
    /// use leptos_sync_core::backoff::{Close, ReconnectOptions, ReconnectPolicy};
    /// use leptos_sync_protocol::close_code::{OVERLOADED, SERVICE_RESTART};
    ///
    /// let opts = ReconnectOptions { policy: ReconnectPolicy::Fixed(1_000), ..Default::default() };
    /// assert_eq!(opts.next_delay(3, Close::ABNORMAL, || 0.5), Some(1_000));
    /// // A shedding server says when: 2 s, plus up to half again.
    /// assert_eq!(opts.next_delay(3, Close::new(OVERLOADED, "retry-after=2000"), || 0.5), Some(2_500));
    /// assert_eq!(opts.next_delay_bounds(3, Close::new(OVERLOADED, "retry-after=2000")), Some((2_000, 3_000)));
    /// // So does a server shutting down gracefully; a hint below the floor (500 ms) is raised to it.
    /// let restart = Close::new(SERVICE_RESTART, "retry-after=120");
    /// assert_eq!(opts.next_delay_bounds(1, restart), Some((500, 750)));
    /// // An exact slot is kept, give or take 20 ms.
    /// let slot = Close::new(OVERLOADED, "retry-after=2000; exact");
    /// assert_eq!(opts.next_delay_bounds(3, slot), Some((2_000, 2_020)));
    /// // Without a hint, a 1012 is retried by the policy.
    /// assert_eq!(opts.next_delay(1, Close::new(SERVICE_RESTART, ""), || 0.5), Some(1_000));
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
    ///
    /// ```
    /// use leptos_sync_core::backoff::{Close, ReconnectOptions, ReconnectPolicy};
    ///
    /// let opts = ReconnectOptions { policy: ReconnectPolicy::Fixed(800), max_attempts: Some(2), ..Default::default() };
    /// assert_eq!(opts.next_delay_bounds(2, Close::ABNORMAL), Some((800, 800)));
    /// assert_eq!(opts.next_delay_bounds(3, Close::ABNORMAL), None);
    /// ```
    pub fn next_delay_bounds(&self, attempt: u32, close: Close<'_>) -> Option<(u64, u64)> {
        let (policy, server) = self.windows(attempt, close)?;
        Some(server.unwrap_or(policy).bounds())
    }

    /// [`next_delay_bounds`](Self::next_delay_bounds) for a close without `retry-after`.
    ///
    /// ```
    /// use leptos_sync_core::backoff::{ReconnectOptions, ReconnectPolicy};
    ///
    /// let opts = ReconnectOptions { policy: ReconnectPolicy::Fixed(800), delay_offset_ms: 200, ..Default::default() };
    /// assert_eq!(opts.bounds(1), Some((1_000, 1_000))); // the offset applies to the first retry only
    /// assert_eq!(opts.bounds(2), Some((800, 800)));
    /// ```
    pub fn bounds(&self, attempt: u32) -> Option<(u64, u64)> {
        self.next_delay_bounds(attempt, Close::ABNORMAL)
    }

    /// Clamps a server's `retry-after` into the floor and the cap (the floor
    /// wins over a lower cap); the spread comes on top.
    ///
    /// ```
    /// use leptos_sync_core::backoff::ReconnectOptions;
    ///
    /// let opts = ReconnectOptions { retry_after_floor_ms: 500, retry_after_cap_ms: 10_000, ..Default::default() };
    /// assert_eq!(opts.clamp_retry_after(10), 500);
    /// assert_eq!(opts.clamp_retry_after(3_000), 3_000);
    /// assert_eq!(opts.clamp_retry_after(60_000), 10_000);
    /// ```
    pub fn clamp_retry_after(&self, ms: u64) -> u64 {
        let floor = self.retry_after_floor_ms.min(MAX_DELAY_MS);
        let cap = self.retry_after_cap_ms.min(MAX_DELAY_MS).max(floor);
        ms.clamp(floor, cap)
    }

    /// The longest a close 4429 or 1012 can make the client wait: the cap plus
    /// [`RETRY_AFTER_SPREAD`] of it, 180,000 ms with the defaults (an exact
    /// slot waits at most the cap plus [`SLOT_JITTER_MS`]).
    ///
    /// ```
    /// use leptos_sync_core::backoff::ReconnectOptions;
    /// assert_eq!(ReconnectOptions::default().retry_after_max_ms(), 180_000);
    /// ```
    pub fn retry_after_max_ms(&self) -> u64 {
        let plain = RetryAfter {
            ms: u64::MAX,
            exact: false,
        };
        self.retry_after_window(plain).bounds().1
    }

    fn retry_after_window(&self, retry: RetryAfter) -> Window {
        let base = self.clamp_retry_after(retry.ms);
        let span = if retry.exact {
            SLOT_JITTER_MS as f64
        } else {
            base as f64 * RETRY_AFTER_SPREAD
        };
        Window { lo: base, span }
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
        let server = close.retry_after().map(|r| self.retry_after_window(r));
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
