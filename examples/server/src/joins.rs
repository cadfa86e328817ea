//! `--announce-joins`: the demo's "another tab joined" event, sent from the
//! `on_connect` hook to every other connection (on every node).

use leptos_sync_server::{Connected, EventTarget, ServerEvent, SyncServer};
use serde_json::json;

/// The event's name; the demo's `Joined` type carries it.
pub const JOINED: &str = "joined";

/// Tells everyone but the newcomer that it joined: `{"who": <principal>}`.
/// Off by default: with thousands of clients (the load generator) every
/// connect would cost a frame to each of them.
pub async fn announce(sync: SyncServer, conn: Connected) {
    let event = ServerEvent {
        to: EventTarget::Everyone,
        name: JOINED.into(),
        payload: json!({ "who": conn.principal.id }),
        except: Some(conn.session),
    };
    if let Err(e) = sync.send(event).await {
        eprintln!("leptos-sync-server: announcing a join: {e}");
    }
}
