//! Chaos endpoints under `/control`: a real process crash and a flapping
//! server, for the chaos suite (`scripts/chaos`).
//!
//! - `POST /control/crash?after_ms=20` answers, then ends the process
//!   abruptly `after_ms` later (exit code 137, like SIGKILL): the OS tears down every socket, so browsers see
//!   1006. A supervisor restarts it on the same port. Only the server binary
//!   allows it; an in-process server ([`crate::serve`]) answers 409, so a
//!   test can never kill its own test runner.
//! - `POST /control/flap?ms=N` for N ms accepts matching upgrades, answers
//!   `hello` with `welcome` and drops the connection at once: a server that
//!   looks up but never stays up (clients must not reset their backoff).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use crate::faults::Scope;
use crate::server::App;

/// The exit code of a crash: what a shell reports for SIGKILL.
pub const CRASH_EXIT_CODE: i32 = 137;
/// How long the process lives after answering a crash by default, so the reply gets out.
pub const CRASH_DELAY_MS: u64 = 20;

/// Chaos switches of one server.
#[derive(Default)]
pub struct Chaos {
    crash_allowed: AtomicBool,
    flap_until: Mutex<HashMap<Scope, Instant>>,
}

impl Chaos {
    /// Lets `POST /control/crash` end the process; set by the reference binary only.
    pub fn allow_crash(&self) {
        self.crash_allowed.store(true, Ordering::SeqCst);
    }

    /// Flaps upgrades in scope (`None`: every client) for `ms`.
    pub fn flap(&self, scope: Scope, ms: u64) {
        let until = Instant::now() + Duration::from_millis(ms);
        self.lock().insert(scope, until);
    }

    /// Whether a welcomed connection of `client` must be dropped at once.
    pub fn flapping(&self, client: &Scope) -> bool {
        let now = Instant::now();
        let flaps = self.lock();
        [&None, client]
            .into_iter()
            .any(|s| flaps.get(s).is_some_and(|until| now < *until))
    }

    /// Forgets the flaps of one client, or of all.
    pub fn reset(&self, scope: &Scope) {
        let mut flaps = self.lock();
        if scope.is_some() {
            flaps.remove(scope);
        } else {
            flaps.clear();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Scope, Instant>> {
        self.flap_until.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Deserialize)]
struct Params {
    client: Option<String>,
    ms: Option<u64>,
    after_ms: Option<u64>,
}

/// The chaos routes; merged into the `/control` router, behind its guard.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/crash", post(crash))
        .route("/flap", post(flap))
}

async fn crash(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Response {
    if !app.chaos.crash_allowed.load(Ordering::SeqCst) {
        let message = "crash ends the process: only the server binary allows it";
        return (StatusCode::CONFLICT, message).into_response();
    }
    // With a small after_ms the reply may not get out: the caller sees the crash instead.
    let after = Duration::from_millis(p.after_ms.unwrap_or(CRASH_DELAY_MS));
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        // No destructors, no close frames: the OS resets every socket.
        std::process::exit(CRASH_EXIT_CODE);
    });
    Json(json!({ "crashing": true })).into_response()
}

async fn flap(State(app): State<Arc<App>>, Query(p): Query<Params>) -> Json<serde_json::Value> {
    let ms = p.ms.unwrap_or(5000);
    let scope = p.client.filter(|c| !c.is_empty());
    app.chaos.flap(scope, ms);
    Json(json!({ "ms": ms }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flap_is_scoped_and_ends() {
        let chaos = Chaos::default();
        let a = Some("a".to_owned());
        chaos.flap(a.clone(), 60_000);
        assert!(chaos.flapping(&a));
        assert!(!chaos.flapping(&Some("b".to_owned())));
        chaos.flap(None, 0);
        assert!(!chaos.flapping(&None), "a 0 ms flap is already over");
        chaos.reset(&a);
        assert!(!chaos.flapping(&a));
    }
}
