//! The chaos and security suite: real process restarts, bad frames,
//! half-open links, flapping, hostile auth input, leaks and requests, against the
//! reference server run under `scripts/supervise`.
//!
//! Run it with `scripts/chaos` (full, prints the table of RELIABILITY.md) or
//! `scripts/test chaos` (short); it is its own test target (`--test chaos`),
//! which a plain `cargo test` leaves out (`test = false` in Cargo.toml),
//! because it crashes the server it talks to. Counts scale with the
//! compile-time `LEPTOS_SYNC_CHAOS_SCALE` (1.0 full, 0.1 short); without it
//! every test fails. Each category prints one line `CHAOS <category> tried=…
//! survived=… lost=… duplicates=… panics=… longest_recovery_ms=…` that
//! scripts/chaos collects ([`report`]).
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod frames;
mod leaks;
mod links;
mod report;
mod requests;
mod restarts;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
