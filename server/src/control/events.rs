//! `POST /control/event`: sends a server event as the application would,
//! so browser tests can check its routing to topics, principals and everyone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::{Ctl, bad_request};
use crate::events::ServerEvent;
use crate::server::App;

pub(super) fn router() -> Router<Arc<App>> {
    Router::new().route("/event", post(event))
}

/// The body is a [`ServerEvent`]: `{"to":"everyone"|{"topic":…}|{"principal":…}|{"connection":…},
/// "name":…, "payload":…}`.
async fn event(State(app): Ctl, body: Bytes) -> Response {
    let event: ServerEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(e) => return bad_request(&format!("expected a server event: {e}")),
    };
    let sync = crate::SyncServer { app };
    match sync.send(event).await {
        Ok(()) => Json(json!({ "sent": true })).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}
