//! Counters shared by every connection task: deliveries, late frames and a
//! log-bucketed latency histogram (about 3 % wide buckets), all atomics so
//! thousands of tasks can record without a lock.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Microseconds since the first call: the clock of the send timestamps.
/// Publisher and subscribers live in this one process, so one `Instant` serves both.
pub fn now_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
const BUCKETS: usize = (SUB as usize) * (64 - SUB_BITS as usize + 1);

fn bucket(us: u64) -> usize {
    if us < SUB {
        return us as usize;
    }
    let e = 63 - us.leading_zeros();
    let m = (us >> (e - SUB_BITS)) & (SUB - 1);
    (SUB + u64::from(e - SUB_BITS) * SUB + m) as usize
}

/// The smallest value that falls in bucket `i`.
fn lower_bound(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let (e, m) = ((i - SUB) / SUB, (i - SUB) % SUB);
    (SUB + m) << e
}

/// What one measurement step has seen so far.
pub struct Counters {
    /// The step whose frames count; frames of an earlier step are `late`.
    pub step: AtomicU64,
    /// Updates of this step received, over all subscribers.
    pub delivered: AtomicU64,
    /// Updates of an earlier step that arrived after it was closed.
    pub late: AtomicU64,
    /// Time of the last counted delivery, from [`now_us`].
    pub last_us: AtomicU64,
    hist: Vec<AtomicU64>,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            step: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            late: AtomicU64::new(0),
            last_us: AtomicU64::new(0),
            hist: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Counters {
    /// Records one update of `step` sent at `sent_us`.
    pub fn record(&self, step: u64, sent_us: u64) {
        self.record_at(step, sent_us, now_us());
    }

    /// [`Counters::record`] with the arrival time given.
    fn record_at(&self, step: u64, sent_us: u64, now: u64) {
        if step != self.step.load(Relaxed) {
            self.late.fetch_add(1, Relaxed);
            return;
        }
        self.hist[bucket(now.saturating_sub(sent_us))].fetch_add(1, Relaxed);
        self.delivered.fetch_add(1, Relaxed);
        self.last_us.fetch_max(now, Relaxed);
    }

    /// Starts step `step` with everything at zero.
    pub fn begin(&self, step: u64) {
        self.step.store(step, Relaxed);
        self.delivered.store(0, Relaxed);
        self.last_us.store(0, Relaxed);
        for b in &self.hist {
            b.store(0, Relaxed);
        }
    }

    /// The latency (µs, bucket lower bound) below which a fraction `q` of the deliveries fall.
    pub fn quantile_us(&self, q: f64) -> u64 {
        quantile_of(&self.counts(), q)
    }

    /// The latency histogram of this step, to add to another step's (see [`quantile_of`]).
    pub fn counts(&self) -> Vec<u64> {
        self.hist.iter().map(|b| b.load(Relaxed)).collect()
    }
}

/// [`Counters::quantile_us`] of a histogram from [`Counters::counts`], or of several added up.
pub fn quantile_of(counts: &[u64], q: f64) -> u64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, c) in counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return lower_bound(i);
        }
    }
    lower_bound(counts.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_hold_their_lower_bound() {
        let mut last = 0;
        for us in [
            0,
            1,
            31,
            32,
            33,
            63,
            64,
            100,
            1_000,
            65_537,
            10_000_000,
            u64::MAX,
        ] {
            let b = bucket(us);
            assert!(b >= last, "{us}");
            assert!(b < BUCKETS, "{us}");
            assert!(lower_bound(b) <= us, "{us}");
            assert!(us - lower_bound(b) <= us / 16, "{us}: bucket too wide");
            last = b;
        }
    }

    #[test]
    fn quantiles_follow_the_recorded_latencies() {
        let c = Counters::default();
        c.begin(1);
        for i in 0..99 {
            c.record_at(1, 1_000, 1_000 + 100 + i);
        }
        c.record_at(1, 0, 50_000);
        c.record_at(0, 0, 60_000);
        assert_eq!(c.delivered.load(Relaxed), 100);
        assert_eq!(c.late.load(Relaxed), 1);
        assert_eq!(c.last_us.load(Relaxed), 50_000);
        let p50 = c.quantile_us(0.5);
        assert!((96..=150).contains(&p50), "{p50}");
        assert!(c.quantile_us(0.99) < 200);
        let max = c.quantile_us(1.0);
        assert!((48_000..=50_000).contains(&max), "{max}");
        c.begin(2);
        assert_eq!(c.quantile_us(0.5), 0);
    }
}
