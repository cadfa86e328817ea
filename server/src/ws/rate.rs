//! The mutation rate limit of one connection: a token bucket.

use std::time::{Duration, Instant};

/// Refills `per_sec` tokens a second and holds at most `per_sec`, so a
/// client may burst one second's worth and then goes at the rate.
#[derive(Debug)]
pub(super) struct Bucket {
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket; a rate of 0 is taken as 1.
    pub(super) fn new(per_sec: u32, now: Instant) -> Self {
        let per_sec = f64::from(per_sec.max(1));
        Self {
            per_sec,
            tokens: per_sec,
            at: now,
        }
    }

    /// Takes a token, or says how long until the next one.
    pub(super) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.per_sec))
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
}
