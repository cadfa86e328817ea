//! Starts a server binary on 127.0.0.1 with `--port 0` (or a given port), finds its address in
//! its `... listening on ADDR` line, and reads its resident memory.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running server process; killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `bin args... --port 0` and waits (at most 30 s) for its address.
    pub async fn start(bin: &Path, args: &[&str]) -> Result<Self, String> {
        Self::start_at(bin, args, 0).await
    }

    /// Starts `bin args... --port PORT` (a restart on the port of an earlier
    /// one) and waits (at most 30 s) for its address.
    pub async fn start_at(bin: &Path, args: &[&str], port: u16) -> Result<Self, String> {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let find = async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some((_, addr)) = line.split_once(" listening on ") {
                    return addr.trim().parse::<SocketAddr>().map_err(|e| e.to_string());
                }
            }
            Err("exited before listening".to_owned())
        };
        let addr = tokio::time::timeout(Duration::from_secs(30), find)
            .await
            .map_err(|_| format!("{} did not listen within 30 s", bin.display()))?
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        // Keep reading its stdout so a chatty server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, addr })
    }

    /// Resident set size in bytes, from /proc/<pid>/status.
    pub fn rss_bytes(&self) -> Result<u64, String> {
        let pid = self.child.id().ok_or("the server has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
        parse_rss(&status).ok_or_else(|| "no VmRSS in /proc status".to_owned())
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the server and waits for it to be gone.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A child process whose CPU time can be read.
pub trait Cpu {
    /// CPU time (user + system) it has used so far, in seconds.
    fn cpu_s(&self) -> Result<f64, String>;
}

impl Cpu for Server {
    fn cpu_s(&self) -> Result<f64, String> {
        let pid = self.child.id().ok_or("the server has exited")?;
        cpu_s_of(&pid.to_string())
    }
}

/// CPU time (user + system) process `pid` (or `"self"`) has used so far, in seconds.
pub fn cpu_s_of(pid: &str) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    parse_cpu_ticks(&stat)
        .map(|ticks| ticks as f64 / CLOCK_TICKS)
        .ok_or_else(|| "unreadable /proc stat".to_owned())
}

/// USER_HZ, which Linux fixes at 100 for /proc on every architecture it runs on.
const CLOCK_TICKS: f64 = 100.0;

/// utime + stime (fields 14 and 15) of a /proc/<pid>/stat line. The command
/// name in field 2 may hold spaces, so fields are counted after its `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_read_from_the_status_text() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t3\n";
        assert_eq!(parse_rss(status), Some(1234 * 1024));
        assert_eq!(parse_rss("Name:\tx\n"), None);
    }

    #[test]
    fn cpu_ticks_are_user_plus_system_after_the_command_name() {
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(267));
        assert_eq!(parse_cpu_ticks("42 (x) S 1"), None);
    }
}
