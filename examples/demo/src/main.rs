//! leptos-sync demo: a small live collaborative page. A shared task board
//! and the server's ticker stay live over one managed WebSocket; the four
//! widgets show what the connection is doing; a fault panel breaks it through
//! the server's `/control` endpoints. With `?as=observer` the page connects
//! read-only, and the board shows the server refusing its changes.
//!
//! Build it with Trunk from the repository root (`scripts/demo`); the page
//! connects to `/ws` on its own origin.

mod app;
mod board;
mod debug;
mod faults;
mod model;
mod role;
mod rooms;
mod status;
mod summary;
mod ticker;
mod toast;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
