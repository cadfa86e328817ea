//! The chaos and security suite: real process restarts, bad frames,
//! half-open links, flapping, hostile auth input and leaks, against the
//! reference server run under `scripts/supervise`.
//!
//! Run it with `scripts/chaos` (full, prints the table of RELIABILITY.md) or
//! `scripts/test chaos` (short). Counts scale with the compile-time
//! `LEPTOS_SYNC_CHAOS_SCALE` (1.0 full, 0.1 short); without it every test
//! returns at once, because the suite crashes the server it talks to. Each
//! category prints one line `CHAOS <category> tried=… survived=… lost=…
//! duplicates=… panics=… longest_recovery_ms=…` that scripts/chaos collects.
#![cfg(target_arch = "wasm32")]

#[path = "chaos/auth.rs"]
mod auth;
mod browser_support;
#[path = "chaos/frames.rs"]
mod frames;
#[path = "chaos/leaks.rs"]
mod leaks;
#[path = "chaos/links.rs"]
mod links;
#[path = "chaos/restarts.rs"]
mod restarts;
#[path = "chaos/support.rs"]
mod support;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
