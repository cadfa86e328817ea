//! Admission with slots: at most R new sessions a second, and every client
//! shed beyond that gets an instant of its own to come back at.
//!
//! A session (auth, resubscribing, snapshots) is the expensive part of a
//! reconnect, so the token is taken before the upgrade, and a shed costs an
//! upgrade and a close. Capacity is a timeline of positions 1/R apart (a
//! GCRA): an arrival is admitted when a position is due, and otherwise gets
//! the next position nobody holds, `retry-after=<ms>; exact`, which moves the
//! reservation cursor on by 1/R. A client that keeps its slot finds its
//! position due when it comes back. On top, no 100 ms window (counted from
//! the server's start) admits more than R/10, however late holders bunch up.
//! Slots more than the backlog ahead are not handed out: the client is
//! closed with 1013 and retries by its own policy.
//!
//! Nothing identifies a slot's holder (the upgrade carries no ticket), so a
//! newcomer that arrives while a holder is late takes the holder's position,
//! and the holder is shed again with a later slot. The admitted rate never
//! exceeds R either way.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How late a position may be taken: a slot's holder comes back up to the
/// reference client's `SLOT_JITTER_MS` (20 ms) after it, plus some network
/// jitter. It is also the burst an idle server admits at once: R · 25 ms + 1.
pub(crate) const TOLERANCE: Duration = Duration::from_millis(25);
/// The nearest slot handed out: the reference client raises any
/// `retry-after` to its floor (500 ms by default), so a nearer slot would
/// be missed.
pub(crate) const MIN_LEAD: Duration = Duration::from_millis(500);
/// The windows whose admissions are capped at R's share.
pub(crate) const WINDOW: Duration = Duration::from_millis(100);

/// What an arriving connection gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ticket {
    /// Serve it now.
    Admit,
    /// Close it with 4429 `retry-after=<ms>; exact`: its slot is this many ms away.
    Slot(u64),
    /// Close it with 1013: the backlog is full.
    Full,
}

/// The admission state of one server.
#[derive(Debug)]
pub(crate) struct Slots {
    /// 1/R; `None` admits everyone.
    interval: Option<Duration>,
    /// The farthest slot handed out.
    backlog: Duration,
    /// The most admissions in one [`WINDOW`]: R/10, rounded up.
    per_window: u32,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// The earliest position not taken by an admission.
    due: Instant,
    /// The earliest position not reserved for a shed client.
    cursor: Instant,
    /// The start of the current window, and its admissions so far.
    window: Instant,
    admitted: u32,
}

impl Slots {
    /// `per_sec` sessions a second (0: no limit), slots at most `backlog_ms` ahead.
    pub(crate) fn new(per_sec: u32, backlog_ms: u64, now: Instant) -> Self {
        Self {
            interval: (per_sec > 0).then(|| Duration::from_secs(1) / per_sec),
            backlog: Duration::from_millis(backlog_ms),
            per_window: per_sec.div_ceil(10).max(1),
            // No credit at start: a server that comes back into a storm
            // admits at R from its first instant.
            state: Mutex::new(State {
                due: now,
                cursor: now,
                window: now,
                admitted: 0,
            }),
        }
    }

    /// The admission of a server built now with `config`.
    pub(crate) fn starting_now(config: &crate::Config) -> Self {
        let (rate, backlog) = (config.admission_per_sec, config.admission_backlog_ms);
        Self::new(rate, backlog, Instant::now())
    }

    /// Admits the connection arriving `now`, or hands it a slot.
    pub(crate) fn take(&self, now: Instant) -> Ticket {
        let Some(interval) = self.interval else {
            return Ticket::Admit;
        };
        // A poisoned lock only means a panic elsewhere; the state is plain values.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Positions older than the tolerance are gone: idle capacity is not saved up.
        let due = state.due.max(now.checked_sub(TOLERANCE).unwrap_or(now));
        let since = now.saturating_duration_since(state.window);
        if since >= WINDOW {
            // The window that holds `now`, on the grid from the start.
            let into = since.as_nanos() % WINDOW.as_nanos();
            state.window = now - Duration::from_nanos(into as u64);
            state.admitted = 0;
        }
        if due <= now && state.admitted < self.per_window {
            state.due = due + interval;
            state.admitted += 1;
            return Ticket::Admit;
        }
        let slot = state.cursor.max(state.due).max(now + MIN_LEAD);
        let ahead = slot - now;
        if ahead > self.backlog {
            return Ticket::Full;
        }
        state.cursor = slot + interval;
        Ticket::Slot(ceil_ms(ahead))
    }

    /// The `retry-after` of the `i`-th of `n` connections closed by a
    /// shutdown, in a window of at least `spread_ms`: their own positions
    /// 1/R apart from [`MIN_LEAD`] on, stretched evenly over the window when
    /// they fit in it, so that the next instance admits them all as they
    /// come. Without a rate, `i / n` of the window.
    pub(crate) fn restart_slot(&self, i: u64, n: u64, spread_ms: u64) -> u64 {
        let n = n.max(1);
        let Some(interval) = self.interval else {
            return spread_ms.saturating_mul(i) / n;
        };
        let lead = MIN_LEAD.as_millis() as u64;
        // The positions take n · 1/R; a longer window spreads them further.
        let needed = ceil_ms(interval.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX)));
        let window = needed.max(spread_ms.saturating_sub(lead));
        lead.saturating_add(window.saturating_mul(i) / n)
    }
}

/// Whole ms, rounded up, so a client never comes back before its slot.
fn ceil_ms(d: Duration) -> u64 {
    let ms = d.as_millis() + u128::from(!d.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(ms).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    /// 10 a second: positions 100 ms apart; a 2 s backlog.
    fn slots(t0: Instant) -> Slots {
        Slots::new(10, 2_000, t0)
    }

    #[test]
    fn a_burst_is_admitted_at_r_and_the_rest_get_slots_1_over_r_apart() {
        let t0 = Instant::now();
        let s = slots(t0);
        let tickets: Vec<_> = (0..30).map(|_| s.take(t0)).collect();
        // No credit at start: one admitted, then slots from the 500 ms lead
        // on, 100 ms apart, until the 2 s backlog is full.
        assert_eq!(tickets[0], Ticket::Admit);
        let slots: Vec<u64> = tickets[1..]
            .iter()
            .map_while(|t| match t {
                Ticket::Slot(ms) => Some(*ms),
                _ => None,
            })
            .collect();
        assert_eq!(slots, (5..=20).map(|k| k * 100).collect::<Vec<_>>());
        assert!(
            tickets[1 + slots.len()..]
                .iter()
                .all(|t| *t == Ticket::Full)
        );
    }

    #[test]
    fn holders_that_come_back_at_their_slots_are_admitted_and_the_rate_holds() {
        let t0 = Instant::now();
        let s = slots(t0);
        assert_eq!(s.take(t0), Ticket::Admit);
        let mut slots = Vec::new();
        for _ in 0..10 {
            match s.take(t0) {
                Ticket::Slot(ms) => slots.push(ms),
                other => panic!("{other:?}"),
            }
        }
        // Each comes back up to 20 ms late, as the reference client may.
        for (k, &slot) in slots.iter().enumerate() {
            let late = (k as u64 * 7) % 21;
            let at = t0 + ms(slot + late);
            assert_eq!(s.take(at), Ticket::Admit, "holder {k} at +{slot} ms");
            // A newcomer right behind it finds no position due.
            assert!(matches!(s.take(at), Ticket::Slot(_)), "newcomer after {k}");
        }
    }

    #[test]
    fn admissions_never_pass_r_per_second_in_any_window() {
        let t0 = Instant::now();
        let s = slots(t0);
        let mut admitted = Vec::new();
        // One arrival every 7 ms for 10 s: 14 times the rate.
        for k in 0..1_430u64 {
            let at = t0 + ms(k * 7);
            if s.take(at) == Ticket::Admit {
                admitted.push(k * 7);
            }
        }
        for start in (0..10_000).step_by(10) {
            let n = admitted
                .iter()
                .filter(|&&t| (start..start + 1_000).contains(&t))
                .count();
            // R · w, plus the one on the window's edge a GCRA lets in.
            assert!(n <= 11, "{n} admitted in [{start}, +1 s)");
        }
        assert!(admitted.len() >= 99, "{}", admitted.len());
    }

    #[test]
    fn no_window_of_100_ms_admits_more_than_r_over_10_however_arrivals_bunch() {
        // 100 a second: 10 a window. Every other window goes quiet for its
        // last 25 ms, so the next could take those positions late on top
        // of its own.
        let t0 = Instant::now();
        let s = Slots::new(100, 60_000, t0);
        let arrivals = (0..4_000u64).filter(|t| !(75..100).contains(&(t % 200)));
        let mut admitted = vec![0u32; 40];
        for at in arrivals {
            if s.take(t0 + ms(at)) == Ticket::Admit {
                admitted[(at / 100) as usize] += 1;
            }
        }
        assert!(admitted.iter().all(|&n| n <= 10), "{admitted:?}");
        assert!(admitted.iter().sum::<u32>() >= 350, "{admitted:?}");
    }

    #[test]
    fn an_idle_server_admits_a_burst_of_the_tolerance_only() {
        let t0 = Instant::now();
        let s = Slots::new(1_000, 2_000, t0);
        let later = t0 + Duration::from_secs(60);
        let admitted = (0..100)
            .take_while(|_| s.take(later) == Ticket::Admit)
            .count();
        assert_eq!(admitted, 26, "R · 25 ms + 1");
    }

    #[test]
    fn without_a_rate_everyone_is_admitted() {
        let t0 = Instant::now();
        let s = Slots::new(0, 0, t0);
        assert!((0..1_000).all(|_| s.take(t0) == Ticket::Admit));
        assert_eq!(s.restart_slot(3, 4, 10_000), 7_500);
    }

    #[test]
    fn a_shutdown_gives_positions_1_over_r_apart_stretched_over_its_window() {
        let s = slots(Instant::now());
        // 200 at 10/s need 20 s: longer than the window, so 100 ms apart.
        let at: Vec<u64> = (0..200).map(|i| s.restart_slot(i, 200, 10_000)).collect();
        assert_eq!(&at[..3], [500, 600, 700]);
        assert!(at.windows(2).all(|w| w[1] - w[0] == 100));
        // 20 fit in the window: spread evenly over it after the lead.
        let at: Vec<u64> = (0..20).map(|i| s.restart_slot(i, 20, 10_500)).collect();
        assert_eq!(&at[..3], [500, 1_000, 1_500]);
        assert_eq!(at[19], 10_000);
    }
}
