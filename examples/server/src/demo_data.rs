//! `--demo-data`: a random-walk price feed on the topic "Ticker".

use std::sync::Arc;
use std::time::Duration;

use leptos_sync_server::App;
use leptos_sync_server::monitor::now_ms;
use serde_json::json;
use tokio::task::JoinHandle;

/// The topic the demo feed publishes to.
pub const TOPIC: &str = "Ticker";

const SYMBOLS: [(&str, f64); 3] = [("ACME", 100.0), ("GLOBEX", 42.0), ("INITECH", 7.5)];

/// Publishes every symbol once, then moves one symbol about every second,
/// until the server's last handle is dropped.
pub fn spawn(app: &Arc<App>) -> JoinHandle<()> {
    // A weak handle: the feed must not keep a stopped server's topics alive.
    let app = Arc::downgrade(app);
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
        let Some(first) = app.upgrade() else { return };
        for ((symbol, _), price) in SYMBOLS.iter().zip(prices) {
            first
                .hub
                .publish(TOPIC, symbol, json!({ "price": price, "at": now_ms() }));
        }
        drop(first);
        let mut tick = tokio::time::interval(Duration::from_millis(1000));
        tick.tick().await; // The first tick is immediate.
        loop {
            tick.tick().await;
            let i = (next() % SYMBOLS.len() as u64) as usize;
            // A step of at most ±1 %, rounded to cents, never below a cent.
            let step = (next() % 2001) as f64 / 1000.0 - 1.0;
            let price = (prices[i] * (1.0 + step / 100.0) * 100.0).round() / 100.0;
            prices[i] = price.max(0.01);
            let value = json!({ "price": prices[i], "at": now_ms() });
            let Some(app) = app.upgrade() else { return };
            app.hub.publish(TOPIC, SYMBOLS[i].0, value);
        }
    })
}
