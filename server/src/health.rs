//! Readiness: a node whose engine cannot serve (Redis away for longer than
//! its grace) closes its connections with 1013 (try again later) and a
//! `retry-after`, refuses new ones the same way right after the upgrade,
//! and answers 503 on `GET /health`, until the engine is back.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::engine::Readiness;
use crate::server::{App, SyncServer};

impl App {
    /// Why the engine cannot serve now, if it cannot.
    pub(crate) fn engine_down(&self) -> Option<String> {
        match self.readiness.as_ref().map(|r| r.borrow().clone()) {
            Some(Readiness::NotReady(reason)) => Some(reason),
            Some(Readiness::Ready) | None => None,
        }
    }

    /// Resolves once the engine cannot serve (at once if it cannot now);
    /// never for an engine that is always ready.
    pub(crate) async fn engine_goes_down(&self) {
        let Some(mut readiness) = self.readiness.clone() else {
            return std::future::pending().await;
        };
        if readiness.wait_for(|r| !r.is_ready()).await.is_err() {
            // The engine is gone: it will tell nothing more.
            std::future::pending::<()>().await;
        }
    }

    /// Why this node should get no traffic now, if it should not.
    fn not_ready(&self) -> Option<String> {
        if self.shutdown_started() {
            return Some("shutting down".to_owned());
        }
        self.engine_down()
    }
}

impl SyncServer {
    /// `GET /health`, for a load balancer or an orchestrator's readiness
    /// probe: 200 `{"ready":true}` while the node serves, 503
    /// `{"ready":false,"reason":"..."}` while its engine is
    /// [not ready](crate::Readiness::NotReady) or it shuts down. Merge it
    /// into your `Router` like [`router`](Self::router), at the path you like.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// let sync = SyncServer::builder().build();
    /// let app = axum::Router::new()
    ///     .merge(sync.router()) // /ws
    ///     .merge(sync.health_router()); // /health
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// axum::serve(listener, app).await
    /// # }
    /// ```
    pub fn health_router(&self) -> Router {
        Router::new()
            .route("/health", get(health))
            .with_state(self.app.clone())
    }
}

async fn health(State(app): State<Arc<App>>) -> Response {
    match app.not_ready() {
        None => (StatusCode::OK, axum::Json(json!({"ready": true}))).into_response(),
        Some(reason) => {
            let body = json!({"ready": false, "reason": reason});
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}
