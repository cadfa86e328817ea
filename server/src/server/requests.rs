//! The builder's request handlers: typed ([`on_request`](SyncServerBuilder::on_request))
//! or by method name on JSON ([`on_request_json`](SyncServerBuilder::on_request_json)).

use std::sync::Arc;
use std::time::Duration;

use leptos_sync_protocol::request::code;
use leptos_sync_protocol::{ResponseError, SyncRequest};
use serde_json::Value;

use super::SyncServerBuilder;
use crate::hooks::Principal;

impl SyncServerBuilder {
    /// Answers requests of type `R` (method [`R::METHOD`](SyncRequest::METHOD))
    /// with `handler`, given the connection's [`Principal`] and the decoded
    /// request. An `Err` reaches the client typed, as its code and message; a
    /// payload that does not decode into `R` is answered `invalid_payload`,
    /// and a handler that panics `internal`.
    ///
    /// Each handler runs on its own task, so a slow one holds up neither the
    /// connection's other frames nor its pings. A request id is run at most
    /// once per principal: a client's replay (after a reconnect) gets the
    /// first run's response, waiting for it if it is still running; on
    /// another node too with an engine that shares requests
    /// ([`Engine::claim_request`](crate::Engine::claim_request), the Redis engine).
    ///
    /// ```
    /// use leptos_sync_server::{ResponseError, SyncRequest, SyncServer};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Add { a: i64, b: i64 }
    ///
    /// impl SyncRequest for Add {
    ///     const METHOD: &'static str = "add";
    ///     type Response = i64;
    /// }
    ///
    /// let sync = SyncServer::builder()
    ///     .on_request::<Add, _, _>(|_who, add| async move {
    ///         add.a.checked_add(add.b).ok_or_else(|| ResponseError::new("overflow", "the sum is too large"))
    ///     })
    ///     .build();
    /// # let _ = sync;
    /// ```
    pub fn on_request<R, F, Fut>(self, handler: F) -> Self
    where
        R: SyncRequest + Send + 'static,
        F: Fn(Principal, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Response, ResponseError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.on_request_json(R::METHOD, move |who, payload| {
            let handler = handler.clone();
            async move {
                let request = serde_json::from_value::<R>(payload).map_err(|e| {
                    let message = format!("the payload is not a {}: {e}", R::METHOD);
                    ResponseError::new(code::INVALID_PAYLOAD, message)
                })?;
                let response = handler(who, request).await?;
                serde_json::to_value(response).map_err(|e| {
                    ResponseError::new(code::INTERNAL, format!("the response did not encode: {e}"))
                })
            }
        })
    }

    /// Answers requests of `method` with `handler` on their JSON payload,
    /// for methods without a Rust type. Otherwise like [`on_request`](Self::on_request).
    ///
    /// ```
    /// use leptos_sync_server::{ResponseError, SyncServer};
    /// use serde_json::json;
    ///
    /// let sync = SyncServer::builder()
    ///     .on_request_json("echo", |who, payload| async move {
    ///         if payload.is_null() {
    ///             return Err(ResponseError::new("empty", "nothing to echo"));
    ///         }
    ///         Ok(json!({ "from": who.id, "echo": payload }))
    ///     })
    ///     .build();
    /// # let _ = sync;
    /// ```
    pub fn on_request_json<F, Fut>(mut self, method: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Principal, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ResponseError>> + Send + 'static,
    {
        let handler: crate::requests::Handler =
            Arc::new(move |who, payload| Box::pin(handler(who, payload)));
        self.requests.handlers.insert(method.into(), handler);
        self
    }

    /// Most requests one connection may have running at once (default 16).
    /// One more is answered `too_many_requests` and not run.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().max_requests_in_flight(4).build();
    /// # let _ = sync;
    /// ```
    pub fn max_requests_in_flight(mut self, max: usize) -> Self {
        self.requests.max_in_flight = max;
        self
    }

    /// How many responses are kept for replays, and for how long (default
    /// 10 000 and 5 minutes). A replay past either bound runs the request again.
    ///
    /// ```
    /// use std::time::Duration;
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().request_cache(1_000, Duration::from_secs(60)).build();
    /// # let _ = sync;
    /// ```
    pub fn request_cache(mut self, capacity: usize, ttl: Duration) -> Self {
        self.requests.cache_capacity = capacity;
        self.requests.cache_ttl = ttl;
        self
    }
}
