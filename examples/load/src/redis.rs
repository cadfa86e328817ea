//! A `redis-server` child on 127.0.0.1: no persistence, `noeviction`,
//! killed when dropped (also on a panic or an error).

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::process::{Child, Command};

use crate::spawn::{Cpu, cpu_s_of};

/// A running (or stopped, to be started again on its port) redis-server.
pub struct Redis {
    child: Option<Child>,
    /// The port it listens on, kept across a restart.
    pub port: u16,
}

impl Redis {
    /// Starts one on a free port and waits for its PING.
    pub async fn start() -> Result<Self, String> {
        // Free when asked; Redis binds it right after (its `--port 0` disables TCP).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut redis = Self { child: None, port };
        redis.restart().await?;
        Ok(redis)
    }

    /// Its URL, for `--redis`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on its port, empty, and waits for its PING.
    pub async fn restart(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--maxmemory-policy", "noeviction"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start redis-server (run scripts/setup): {e}"))?;
        self.child = Some(child);
        let mut con = self.connect().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut con)
            .await
            .map_err(|e| format!("redis PING: {e}"))?;
        Ok(())
    }

    /// SIGKILLs it and waits for it to be gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// A connection, retried for 10 s while it starts.
    pub async fn connect(&self) -> Result<MultiplexedConnection, String> {
        let client = redis::Client::open(self.url()).map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match client.get_multiplexed_async_connection().await {
                Ok(con) => return Ok(con),
                Err(e) if tokio::time::Instant::now() > deadline => {
                    return Err(format!("redis-server on {}: {e}", self.port));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

impl Cpu for Redis {
    fn cpu_s(&self) -> Result<f64, String> {
        let pid = self.child.as_ref().and_then(Child::id);
        cpu_s_of(&pid.ok_or("redis-server is not running")?.to_string())
    }
}
