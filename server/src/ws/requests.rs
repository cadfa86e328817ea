//! A connection's `request` frames: bounded per connection, run off the
//! frame loop, answered on the connection that asked.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use leptos_sync_protocol::request::code;
use leptos_sync_protocol::{ResponseError, ServerMsg};
use serde_json::Value;

use super::Conn;
use crate::queue::send;

/// One running request of a connection; frees its place when dropped.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Conn {
    pub(super) fn request(&mut self, id: String, method: String, payload: Value) {
        let max = self.app.requests.max_in_flight;
        if self.requests.fetch_add(1, Ordering::SeqCst) >= max {
            self.requests.fetch_sub(1, Ordering::SeqCst);
            let message = format!("a connection runs at most {max} requests at once");
            let error = ResponseError::new(code::TOO_MANY_REQUESTS, message);
            send(&self.tx, &response(id, Err(error)));
            return;
        }
        let running = Running(self.requests.clone());
        let (app, tx, who) = (self.app.clone(), self.tx.clone(), self.principal.clone());
        // A connection that is gone meanwhile gets nothing: its client
        // replays the id and gets the outcome from the cache.
        tokio::spawn(async move {
            let engine = app.engine.as_ref();
            let outcome = app
                .requests
                .run(engine, who, id.clone(), &method, payload)
                .await;
            drop(running);
            send(&tx, &response(id, outcome));
        });
    }
}

fn response(id: String, outcome: crate::requests::Outcome) -> ServerMsg {
    match outcome {
        Ok(result) => ServerMsg::Response {
            id,
            result: Some(result),
            error: None,
        },
        Err(error) => ServerMsg::Response {
            id,
            result: None,
            error: Some(error),
        },
    }
}
