//! What one simulated storm gives: restore times, arrivals and admissions per window.

pub(super) struct Outcome {
    /// Time from server-back to connected, per connected client, sorted.
    pub(super) restore_ms: Vec<u64>,
    /// Clients that gave up.
    pub(super) never: usize,
    /// Attempts of every client, during the outage and after it.
    pub(super) attempts: u64,
    /// Arrivals (attempts hitting the server) per window after it is back.
    pub(super) arrivals: Vec<u32>,
    /// Sessions admitted per window after it is back.
    pub(super) admitted: Vec<u32>,
    /// Attempts made once the server was back.
    pub(super) attempts_after: u64,
}

impl Outcome {
    /// The `q`-quantile of restore time over all clients; `None` if it falls
    /// among those that never connected.
    pub(super) fn quantile(&self, q: f64) -> Option<u64> {
        let total = self.restore_ms.len() + self.never;
        let rank = ((q * total as f64).ceil() as usize).clamp(1, total);
        self.restore_ms.get(rank - 1).copied()
    }

    pub(super) fn p99(&self) -> Option<u64> {
        self.quantile(0.99)
    }

    pub(super) fn max(&self) -> Option<u64> {
        if self.never > 0 {
            None
        } else {
            self.restore_ms.last().copied()
        }
    }

    pub(super) fn peak(&self) -> u32 {
        self.arrivals.iter().copied().max().unwrap_or(0)
    }

    pub(super) fn peak_admitted(&self) -> u32 {
        self.admitted.iter().copied().max().unwrap_or(0)
    }
}
