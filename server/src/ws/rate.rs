//! The mutation rate limit of one connection: a token bucket, and a hold
//! that keeps the connection's mutations in order across a refusal.

use std::time::{Duration, Instant};

/// The read budget of one connection: frames and bytes a second, each with a
/// burst of one second's worth. Reading may overdraw it (a frame is only
/// counted once read); the connection is then not read again until the
/// debt is paid, which is what slows a flooding client down.
#[derive(Debug)]
pub(super) struct ReadBudget {
    frames: Option<Debt>,
    bytes: Option<Debt>,
}

#[derive(Debug)]
struct Debt {
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Debt {
    /// A full budget of `per_sec`, or none for 0 (no limit).
    fn new(per_sec: f64, now: Instant) -> Option<Self> {
        (per_sec > 0.0).then_some(Self {
            per_sec,
            tokens: per_sec,
            at: now,
        })
    }

    /// Spends `n`; how long until the budget is no longer overdrawn.
    fn spend(&mut self, n: f64, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec) - n;
        self.at = now;
        Duration::from_secs_f64((-self.tokens).max(0.0) / self.per_sec)
    }
}

impl ReadBudget {
    pub(super) fn new(frames_per_sec: u32, bytes_per_sec: usize, now: Instant) -> Self {
        Self {
            frames: Debt::new(f64::from(frames_per_sec), now),
            bytes: Debt::new(bytes_per_sec as f64, now),
        }
    }

    /// Counts one frame of `len` bytes read; how long to wait before the
    /// next read (zero while within the budget).
    pub(super) fn spend(&mut self, len: usize, now: Instant) -> Duration {
        let frames = self.frames.as_mut().map(|d| d.spend(1.0, now));
        let bytes = self.bytes.as_mut().map(|d| d.spend(len as f64, now));
        frames.unwrap_or_default().max(bytes.unwrap_or_default())
    }
}

/// How long a refused mutation holds back the connection's later ones at
/// most: longer than a client waits before it sends the refused one again
/// (the reference client waits at most 60 s), so a client that resends in
/// order gets its mutations applied in order; a client that never resends
/// it is held back no longer than this.
pub(super) const ORDER_HOLD: Duration = Duration::from_secs(65);

/// The rate limit of one connection's mutations.
///
/// The bucket refills while a burst is read, so without the hold a mutation
/// sent after a refused one could be applied before the refused one comes
/// again, and an older value of a key would win. After a refusal, every
/// other mutation is refused too until the refused one comes again (or
/// [`ORDER_HOLD`] passes).
#[derive(Debug)]
pub(super) struct Limiter {
    bucket: Bucket,
    held: Option<Hold>,
}

/// A refused mutation holding back the connection's later ones.
#[derive(Debug)]
struct Hold {
    id: String,
    until: Instant,
    /// Mutations refused behind it since it was last refused.
    behind: u32,
}

impl Limiter {
    pub(super) fn new(per_sec: u32, now: Instant) -> Self {
        Self {
            bucket: Bucket::new(per_sec, now),
            held: None,
        }
    }

    /// Admits mutation `id`, or says how long until it would be admitted:
    /// its place in line, if the refused ones before it come again first.
    pub(super) fn admit(&mut self, id: &str, now: Instant) -> Result<(), Duration> {
        if let Some(hold) = &mut self.held
            && now < hold.until
            && hold.id != id
        {
            // Behind the held one: refused without spending a token.
            hold.behind = hold.behind.saturating_add(1);
            return Err(self.bucket.wait_for(hold.behind.saturating_add(1), now));
        }
        match self.bucket.take(now) {
            Ok(()) => {
                self.held = None;
                Ok(())
            }
            Err(wait) => {
                // The held one refused again starts a new line, for a full hold.
                self.held = Some(Hold {
                    id: id.to_owned(),
                    until: now + ORDER_HOLD,
                    behind: 0,
                });
                Err(wait)
            }
        }
    }
}

/// Refills `per_sec` tokens a second and holds at most `per_sec`, so a
/// client may burst one second's worth and then goes at the rate.
#[derive(Debug)]
struct Bucket {
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket; a rate of 0 is taken as 1.
    fn new(per_sec: u32, now: Instant) -> Self {
        let per_sec = f64::from(per_sec.max(1));
        Self {
            per_sec,
            tokens: per_sec,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec);
        self.at = now;
    }

    /// How long until `n` tokens are there (zero when they are).
    fn wait_for(&mut self, n: u32, now: Instant) -> Duration {
        self.refill(now);
        Duration::from_secs_f64((f64::from(n) - self.tokens).max(0.0) / self.per_sec)
    }

    /// Takes a token, or says how long until the next one.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait_for(1, now))
        }
    }
}

/// The `retry_after_ms` of a refused mutation: its wait rounded up to whole
/// ms, and never 0. A refused mutation always waits, if only nanoseconds,
/// and a retry at a hint of 0 would be refused again.
pub(super) fn retry_after_ms(wait: Duration) -> u64 {
    let ms = wait.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_below_a_microsecond_is_hinted_as_a_millisecond() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(200, t0);
        for _ in 0..200 {
            assert_eq!(bucket.take(t0), Ok(()));
        }
        // 1 ns before the next token (one every 5 ms).
        let wait = bucket
            .take(t0 + Duration::from_nanos(4_999_999))
            .unwrap_err();
        assert!(wait < Duration::from_micros(1), "{wait:?}");
        assert_eq!(retry_after_ms(wait), 1);
        assert_eq!(retry_after_ms(Duration::ZERO), 1);
        assert_eq!(retry_after_ms(Duration::from_micros(1_001)), 2);
        assert_eq!(retry_after_ms(Duration::from_millis(250)), 250);
        assert_eq!(retry_after_ms(Duration::MAX), u64::MAX);
    }

    #[test]
    fn a_burst_of_one_second_then_the_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(4, t0);
        for _ in 0..4 {
            assert_eq!(bucket.take(t0), Ok(()));
        }
        let wait = bucket.take(t0).unwrap_err();
        assert_eq!(wait.as_millis(), 250);
        let later = t0 + Duration::from_millis(250);
        assert_eq!(bucket.take(later), Ok(()));
        assert!(bucket.take(later).is_err());
        // Idle time refills no more than one second's worth.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..4 {
            assert_eq!(bucket.take(much_later), Ok(()));
        }
        assert!(bucket.take(much_later).is_err());
    }

    #[test]
    fn after_a_refusal_later_mutations_wait_for_the_refused_one() {
        let t0 = Instant::now();
        let mut limiter = Limiter::new(4, t0);
        for id in ["a", "b", "c", "d"] {
            assert_eq!(limiter.admit(id, t0), Ok(()));
        }
        // Each refused one is told its place in line: one token (250 ms) apart.
        assert_eq!(limiter.admit("e", t0), Err(Duration::from_millis(250)));
        assert_eq!(limiter.admit("f", t0), Err(Duration::from_millis(500)));
        assert_eq!(limiter.admit("g", t0), Err(Duration::from_millis(750)));
        // Tokens are back, but "f" was sent after "e": it must not pass it.
        let later = t0 + Duration::from_millis(750);
        assert!(limiter.admit("f", later).is_err());
        assert_eq!(limiter.admit("e", later), Ok(()));
        assert_eq!(limiter.admit("f", later), Ok(()));
        assert_eq!(limiter.admit("g", later), Ok(()));
    }

    #[test]
    fn the_held_one_refused_again_still_holds_and_a_hold_ends() {
        let t0 = Instant::now();
        let mut limiter = Limiter::new(1, t0);
        assert_eq!(limiter.admit("a", t0), Ok(()));
        assert!(limiter.admit("b", t0).is_err());
        let soon = t0 + Duration::from_millis(500);
        assert!(limiter.admit("b", soon).is_err(), "no token yet");
        let refilled = t0 + Duration::from_secs(2);
        assert!(limiter.admit("c", refilled).is_err(), "b still holds");
        // A client that never sends "b" again is held back ORDER_HOLD at most.
        let after_hold = soon + ORDER_HOLD;
        assert_eq!(limiter.admit("c", after_hold), Ok(()));
    }

    #[test]
    fn a_read_budget_pauses_a_connection_past_a_second_s_worth() {
        let t0 = Instant::now();
        let mut budget = ReadBudget::new(4, 1_000, t0);
        for _ in 0..4 {
            assert_eq!(budget.spend(10, t0), Duration::ZERO);
        }
        assert_eq!(budget.spend(10, t0), Duration::from_millis(250));
        // A big frame overdraws the bytes: 2 s to pay 2,000 bytes back.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(budget.spend(3_000, later), Duration::from_secs(2));
        let unlimited = &mut ReadBudget::new(0, 0, t0);
        assert_eq!(unlimited.spend(usize::MAX, t0), Duration::ZERO);
    }
}
