//! leptos-sync demo: a single page that keeps one managed WebSocket open
//! against the reference server, shows its state, and injects faults through
//! the server's `/control` endpoints.
//!
//! Build it with Trunk from the repository root (`scripts/demo`); the page
//! connects to `/ws` on its own origin.

mod app;
mod faults;
mod status;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
