//! `--demo-data`: a random-walk price feed on the topic "Ticker", published
//! through the server as an application's background job would.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use leptos_sync_server::SyncServer;
use serde_json::json;
use tokio::task::JoinHandle;

/// The topic the demo feed publishes to.
pub const TOPIC: &str = "Ticker";

const SYMBOLS: [(&str, f64); 3] = [("ACME", 100.0), ("GLOBEX", 42.0), ("INITECH", 7.5)];

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Publishes every symbol once, then moves one symbol about every second.
pub fn spawn(sync: SyncServer) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut prices = SYMBOLS.map(|(_, p)| p);
        // xorshift64: enough randomness for a demo, no dependency.
        let mut rng = now_ms() | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let publish = async |symbol: &str, price: f64| {
            let value = json!({ "price": price, "at": now_ms() });
            if let Err(e) = sync.publish(TOPIC, symbol, value).await {
                eprintln!("leptos-sync-server: demo feed: {e}");
            }
        };
        for ((symbol, _), price) in SYMBOLS.iter().zip(prices) {
            publish(symbol, price).await;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(1000));
        tick.tick().await; // The first tick is immediate.
        loop {
            tick.tick().await;
            let i = (next() % SYMBOLS.len() as u64) as usize;
            // A step of at most ±1 %, rounded to cents, never below a cent.
            let step = (next() % 2001) as f64 / 1000.0 - 1.0;
            let price = (prices[i] * (1.0 + step / 100.0) * 100.0).round() / 100.0;
            prices[i] = price.max(0.01);
            publish(SYMBOLS[i].0, prices[i]).await;
        }
    })
}
