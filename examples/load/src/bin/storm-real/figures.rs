//! The storm's figures from the clients' timestamps, the simulator's
//! prediction for the same fleet, rate and outage, and the table of both.

use std::collections::HashMap;
use std::path::Path;

use crate::client::Seen;

/// Length of a measurement window, as in the simulator.
pub const WINDOW_US: u64 = 100_000;

/// One storm's figures: measured, or predicted by the simulator.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Peak sessions admitted per 100 ms window after the server is back.
    pub admitted: f64,
    /// Peak handshakes (sheds included) per 100 ms window after it is back.
    pub handshakes: f64,
    /// Attempts from the kill on, and from the server's return on.
    pub attempts: f64,
    pub attempts_after: f64,
    /// Clients not back.
    pub never: f64,
}

/// Figures from the log, for `clients` that lost the server at `kill_us`
/// and got it back at `back_us`. A client is back at its first Live after
/// `back_us`; windows count from `back_us`.
pub fn measure(log: &[(u32, u64, Seen)], clients: usize, kill_us: u64, back_us: u64) -> Figures {
    let mut restored: HashMap<u32, u64> = HashMap::new();
    let (mut admitted, mut handshakes) = (Vec::new(), Vec::new());
    let (mut attempts, mut attempts_after) = (0u64, 0u64);
    let bump = |windows: &mut Vec<u32>, at: u64| {
        let w = ((at - back_us) / WINDOW_US) as usize;
        if w >= windows.len() {
            windows.resize(w + 1, 0);
        }
        windows[w] += 1;
    };
    for &(id, at, seen) in log {
        match seen {
            Seen::Attempt if at >= kill_us => {
                attempts += 1;
                attempts_after += u64::from(at >= back_us);
            }
            Seen::Handshake if at >= back_us => bump(&mut handshakes, at),
            Seen::Admitted if at >= back_us => bump(&mut admitted, at),
            Seen::Live if at >= back_us => {
                restored.entry(id).or_insert(at - back_us);
            }
            _ => {}
        }
    }
    let mut restore: Vec<u64> = restored.into_values().collect();
    restore.sort_unstable();
    // Percentiles over every client; one that is not back counts as never.
    let quantile = |q: f64| {
        let rank = ((q * clients as f64).ceil() as usize).clamp(1, clients.max(1));
        restore
            .get(rank - 1)
            .map_or(f64::INFINITY, |us| *us as f64 / 1_000.0)
    };
    let peak = |w: &[u32]| f64::from(w.iter().copied().max().unwrap_or(0));
    Figures {
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
        max_ms: quantile(1.0),
        admitted: peak(&admitted),
        handshakes: peak(&handshakes),
        attempts: attempts as f64,
        attempts_after: attempts_after as f64,
        never: (clients - restore.len()) as f64,
    }
}

/// The simulator's prediction: runs `storm --predict` and reads its line.
pub fn predict(storm: &Path, clients: usize, rate: u32, outage_ms: u64) -> Result<Figures, String> {
    let out = std::process::Command::new(storm)
        .args(["--predict", "--clients", &clients.to_string()])
        .args([
            "--rate",
            &rate.to_string(),
            "--outage-ms",
            &outage_ms.to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", storm.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("predict "))
        .ok_or_else(|| format!("{} printed no prediction: {text}", storm.display()))?;
    let fields: HashMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let get = |k: &str| {
        fields
            .get(k)
            .copied()
            .ok_or_else(|| format!("no {k} in the prediction: {line}"))
    };
    Ok(Figures {
        p50_ms: get("p50_ms")?,
        p99_ms: get("p99_ms")?,
        max_ms: get("max_ms")?,
        admitted: get("admitted")?,
        handshakes: get("handshakes")?,
        attempts: get("attempts")?,
        attempts_after: get("attempts_after")?,
        never: get("never")?,
    })
}

/// Measured against predicted, with their ratios.
pub fn print(measured: &Figures, predicted: &Figures, clients: usize) {
    println!(
        "{:<40} {:>10} {:>10} {:>7}",
        "figure", "measured", "simulated", "ratio"
    );
    println!("{}", "-".repeat(70));
    let n = clients as f64;
    let rows = [
        (
            "restore p50 s",
            measured.p50_ms / 1e3,
            predicted.p50_ms / 1e3,
        ),
        (
            "restore p99 s",
            measured.p99_ms / 1e3,
            predicted.p99_ms / 1e3,
        ),
        (
            "restore max s",
            measured.max_ms / 1e3,
            predicted.max_ms / 1e3,
        ),
        (
            "peak admitted per 100 ms",
            measured.admitted,
            predicted.admitted,
        ),
        (
            "peak handshakes per 100 ms",
            measured.handshakes,
            predicted.handshakes,
        ),
        (
            "attempts from the kill on",
            measured.attempts,
            predicted.attempts,
        ),
        (
            "attempts per client after back",
            measured.attempts_after / n,
            predicted.attempts_after / n,
        ),
        ("clients not back", measured.never, predicted.never),
    ];
    for (name, m, p) in rows {
        let ratio = if p > 0.0 {
            format!("{:.2}", m / p)
        } else {
            "-".into()
        };
        println!("{name:<40} {m:>10.2} {p:>10.2} {ratio:>7}");
    }
}
