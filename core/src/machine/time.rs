//! Time, the quinn-proto way: the machine keeps its own deadlines, the driver
//! asks for the earliest one with [`Machine::poll_timeout`], keeps one timer
//! for it, and calls [`Machine::handle_timeout`] when it fires. A timer that
//! fires early does nothing, and the driver simply re-arms from
//! `poll_timeout`, so no clock can stall the machine.

use super::{CONNECTION_TIMERS, Machine, TIMERS, Timer};
use crate::state::{ConnectionState, Millis};

impl Machine {
    /// The earliest deadline of the machine, if any: the driver keeps exactly
    /// one timer for it, and reads this again after every call into the
    /// machine ([`handle`](Self::handle), [`handle_timeout`](Self::handle_timeout)),
    /// re-arming its timer when the value changed. A deadline at or before
    /// the current time means "call `handle_timeout` now".
    ///
    /// ```
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// assert_eq!(machine.poll_timeout(), None, "nothing to wait for while idle");
    /// machine.handle(Event::UserOpen, 1_000);
    /// while machine.poll().is_some() {}
    /// // The connect timeout (10 s by default) is pending.
    /// assert_eq!(machine.poll_timeout(), Some(11_000));
    /// ```
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Tells the machine that time passed: every deadline at or before `now`
    /// fires, earliest first. Called by the driver when its timer fires; a
    /// call with nothing due (an early timer, a spurious wake-up) does
    /// nothing, and [`poll_timeout`](Self::poll_timeout) still gives the
    /// pending deadline. Then drain [`poll`](Self::poll).
    ///
    /// `now` is the driver's monotonic clock in ms. If it ever goes backwards
    /// (a clock that is not monotonic), the machine shifts its own deadlines
    /// back by as much, so no wait grows by the size of the step.
    ///
    /// ```
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// while machine.poll().is_some() {}
    /// let at = machine.poll_timeout().expect("connect timeout");
    ///
    /// // The timer fired 1 ms early: nothing happens, the deadline stays.
    /// machine.handle_timeout(at - 1);
    /// assert_eq!(machine.poll(), None);
    /// assert_eq!(machine.poll_timeout(), Some(at));
    ///
    /// // On time: the connect timeout closes the socket and schedules a retry.
    /// machine.handle_timeout(at);
    /// let commands: Vec<Command> = std::iter::from_fn(|| machine.poll()).collect();
    /// assert!(commands.iter().any(|c| matches!(c, Command::CloseSocket { .. })));
    /// ```
    pub fn handle_timeout(&mut self, now: Millis) {
        self.observe_time(now);
        // Earliest first, as they would have fired on time; each timer at most
        // once per call, so one that re-arms itself at `now` (a zero interval)
        // waits for the next call instead of spinning here.
        let mut fired = [false; TIMERS.len()];
        while let Some(timer) = TIMERS
            .into_iter()
            .filter(|t| !fired[*t as usize])
            .filter_map(|t| self.deadline(t).filter(|at| *at <= now).map(|at| (at, t)))
            .min_by_key(|(at, t)| (*at, *t as usize))
            .map(|(_, t)| t)
        {
            fired[timer as usize] = true;
            self.clear_timer(timer);
            self.fire(timer, now);
        }
    }

    /// The pending deadline of one timer, for tests and debugging; drivers
    /// need only [`poll_timeout`](Self::poll_timeout).
    ///
    /// ```
    /// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// assert_eq!(machine.deadline(Timer::Connect), Some(10_000));
    /// assert_eq!(machine.deadline(Timer::Reconnect), None);
    /// ```
    pub fn deadline(&self, timer: Timer) -> Option<Millis> {
        self.deadlines[timer as usize]
    }

    /// Notes the time of a call. A clock that stepped back moves every
    /// deadline (and the times shown in the state and metrics) back by the
    /// same amount: the waits keep their length in the new clock.
    pub(super) fn observe_time(&mut self, now: Millis) {
        let back = self.last_now.saturating_sub(now);
        self.last_now = now;
        if back == 0 {
            return;
        }
        for timer in TIMERS {
            // The outbox and the subscription retries keep their deadlines in
            // the clock they were given; this one must stay the earliest of them.
            if timer != Timer::Outbox
                && let Some(at) = &mut self.deadlines[timer as usize]
            {
                *at = at.saturating_sub(back);
            }
        }
        self.requests.shift_back(back);
        if let ConnectionState::Reconnecting { next_at, .. } = &mut self.state {
            *next_at = next_at.saturating_sub(back);
        }
        if let Some(since) = &mut self.metrics.connected_since {
            *since = since.saturating_sub(back);
        }
    }

    pub(super) fn set_timer(&mut self, timer: Timer, at: Millis) {
        self.deadlines[timer as usize] = Some(at);
    }

    pub(super) fn clear_timer(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    /// Clears the timers of the current connection attempt; the outbox's and
    /// a closing socket's deadlines live on.
    pub(super) fn clear_timers(&mut self) {
        for timer in CONNECTION_TIMERS {
            self.clear_timer(timer);
        }
    }
}
