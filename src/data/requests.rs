//! Request handles: the reactive (and awaitable) status of each call of a
//! server method, typed through serde.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use default_struct_builder::DefaultBuilder;
use leptos::prelude::*;
use serde::de::DeserializeOwned;

use leptos_sync_core::SyncError;
use leptos_sync_core::requests::{DEFAULT_REQUEST_TIMEOUT_MS, RequestPolicy, RequestStatus};

/// Where a request stands, as [`RequestHandle::status`] shows it.
///
/// ```
/// use leptos_sync::{RequestState, SyncError};
///
/// fn describe(state: &RequestState<u32>) -> String {
///     match state {
///         RequestState::Pending => "asking…".into(),
///         RequestState::Done(open) => format!("{open} open"),
///         RequestState::Failed(SyncError::RequestTimeout { .. }) => "the server is slow".into(),
///         RequestState::Failed(error) => format!("failed: {error}"),
///     }
/// }
/// assert_eq!(describe(&RequestState::Done(3)), "3 open");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum RequestState<T> {
    /// Waiting for a connection, or for the response.
    Pending,
    /// The server's response. Final.
    Done(T),
    /// Final: timed out ([`SyncError::RequestTimeout`]), interrupted
    /// ([`SyncError::RequestInterrupted`]: the connection dropped under
    /// `FailOnDisconnect`, or the provider unmounted), refused by the bound
    /// ([`SyncError::TooManyRequests`]), answered with an error
    /// ([`SyncError::RequestFailed`]), or a response that did not decode
    /// ([`SyncError::DeserializationFailed`]).
    Failed(SyncError),
}

/// Options of one request, in leptos-use builder style.
///
/// ```
/// use leptos_sync::{RequestOptions, RequestPolicy};
///
/// // Give the server 5 s, and keep the request across a reconnect.
/// let options = RequestOptions::default().timeout_ms(5_000).policy(RequestPolicy::Replay);
/// assert_eq!(options.timeout_ms, 5_000);
/// assert_eq!(RequestOptions::default().timeout_ms, 30_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, DefaultBuilder)]
pub struct RequestOptions {
    /// Fail this long after the request is made, connected or not (default
    /// [`DEFAULT_REQUEST_TIMEOUT_MS`], 30 s). Clamped into 100 ms..=about 24 days.
    pub timeout_ms: u64,
    /// What a dropped connection does: fail at once (the default) or replay.
    pub policy: RequestPolicy,
}

impl Default for RequestOptions {
    fn default() -> Self {
        Self {
            timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            policy: RequestPolicy::default(),
        }
    }
}

/// A request in progress, as returned by
/// [`SyncContext::request`](crate::SyncContext::request). Owned by the
/// provider, so it still settles after the component that made it unmounts.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{RequestHandle, RequestState};
///
/// async fn total(handle: RequestHandle<u32>) -> String {
///     // Reactive: `handle.status.get()` in a view; or awaited, as here.
///     match handle.response().await {
///         Ok(n) => format!("{n} tasks"),
///         Err(error) => format!("no total: {error}"),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestHandle<T: Send + Sync + 'static> {
    /// The request's id: a replay after a reconnect carries it too, and the server runs it once.
    pub id: String,
    /// Pending, then Done or Failed.
    pub status: ArcSignal<RequestState<T>>,
    wakers: Wakers,
}

type Wakers = Arc<Mutex<Vec<Waker>>>;

impl<T: Clone + Send + Sync + 'static> RequestHandle<T> {
    /// The response, once the request is final.
    ///
    /// ```no_run
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize)]
    /// # struct Summary { topic: String }
    /// # impl SyncRequest for Summary { const METHOD: &'static str = "summary"; type Response = u32; }
    ///
    /// async fn open_tasks(ctx: SyncContext) -> Result<u32, SyncError> {
    ///     ctx.request(&Summary { topic: "Task".into() }).response().await
    /// }
    /// ```
    pub async fn response(&self) -> Result<T, SyncError> {
        poll_fn(|cx| match self.status.get_untracked() {
            RequestState::Pending => {
                lock(&self.wakers).push(cx.waker().clone());
                // It may have settled between the read and the registration.
                match self.status.get_untracked() {
                    RequestState::Pending => Poll::Pending,
                    state => Poll::Ready(final_result(state)),
                }
            }
            state => Poll::Ready(final_result(state)),
        })
        .await
    }
}

fn final_result<T>(state: RequestState<T>) -> Result<T, SyncError> {
    match state {
        RequestState::Done(value) => Ok(value),
        RequestState::Failed(error) => Err(error),
        RequestState::Pending => unreachable!("only final states are read here"),
    }
}

fn lock(wakers: &Wakers) -> std::sync::MutexGuard<'_, Vec<Waker>> {
    wakers.lock().unwrap_or_else(|e| e.into_inner())
}

/// Applies a core status to one typed handle; true once final.
type Settle = Box<dyn Fn(RequestStatus) -> bool>;

/// An open request: its method, whether it is on the wire, and its handle's settling.
struct Open {
    method: &'static str,
    sent: bool,
    settle: Settle,
}

/// Open requests of a provider. When the provider goes (it unmounts), so
/// does this: every request still open fails with
/// [`SyncError::RequestInterrupted`], so no handle stays pending forever.
#[derive(Default)]
pub(crate) struct Requests {
    open: HashMap<String, Open>,
}

impl Drop for Requests {
    fn drop(&mut self) {
        for (_, open) in self.open.drain() {
            let error = SyncError::RequestInterrupted {
                method: open.method.to_string(),
                sent: open.sent,
            };
            (open.settle)(RequestStatus::Failed { error });
        }
    }
}

impl Requests {
    /// A handle for request `id` whose response decodes into `T` (named `method` in errors).
    pub fn track<T: DeserializeOwned + Clone + Send + Sync + 'static>(
        &mut self,
        id: &str,
        method: &'static str,
    ) -> RequestHandle<T> {
        let (handle, settle) = handle::<T>(id, method, RequestState::Pending);
        let open = Open {
            method,
            sent: false,
            settle,
        };
        self.open.insert(id.to_string(), open);
        handle
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver reports statuses
    /// Publishes a status; a final one forgets the request.
    pub fn set_status(&mut self, id: &str, status: RequestStatus) {
        let Some(open) = self.open.get_mut(id) else {
            return;
        };
        match status {
            RequestStatus::Sent => open.sent = true,
            RequestStatus::Waiting => open.sent = false,
            _ => {}
        }
        if (open.settle)(status) {
            self.open.remove(id);
        }
    }
}

/// A handle in `state`, and what settles it.
pub(crate) fn handle<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    id: &str,
    method: &'static str,
    state: RequestState<T>,
) -> (RequestHandle<T>, Settle) {
    let signal = ArcRwSignal::new(state);
    let wakers = Wakers::default();
    let settle = {
        let (signal, wakers) = (signal.clone(), wakers.clone());
        Box::new(move |status: RequestStatus| {
            let state = match status {
                RequestStatus::Waiting | RequestStatus::Sent => return false,
                RequestStatus::Done { result } => match serde_json::from_value::<T>(result) {
                    Ok(value) => RequestState::Done(value),
                    Err(e) => RequestState::Failed(SyncError::DeserializationFailed {
                        component_name: method.to_string(),
                        error: e.to_string(),
                    }),
                },
                RequestStatus::Failed { error } => RequestState::Failed(error),
            };
            signal.set(state);
            for waker in lock(&wakers).drain(..) {
                waker.wake();
            }
            true
        }) as Settle
    };
    let handle = RequestHandle {
        id: id.to_string(),
        status: signal.into(),
        wakers,
    };
    (handle, settle)
}

/// Sends `request` through the provider's core; see [`SyncContext::request`](crate::SyncContext::request).
pub(crate) fn send<R>(
    access: &crate::data::access::DataAccess,
    request: &R,
    options: RequestOptions,
) -> RequestHandle<R::Response>
where
    R: leptos_sync_protocol::SyncRequest,
    R::Response: Clone + Send + Sync + 'static,
{
    let id = (access.mutation_id)();
    let failed = |error: SyncError| {
        access.report(error.clone());
        handle(&id, R::METHOD, RequestState::Failed(error)).0
    };
    if cfg!(feature = "ssr") {
        // No socket while rendering on the server, and none will come.
        return failed(SyncError::NotConnected);
    }
    let payload = match serde_json::to_value(request) {
        Ok(payload) => payload,
        Err(e) => {
            return failed(SyncError::SerializationFailed {
                component_name: R::METHOD.to_string(),
                error: e.to_string(),
            });
        }
    };
    let Some(handle) = access
        .requests
        .try_update_value(|r| r.track::<R::Response>(&id, R::METHOD))
    else {
        return failed(SyncError::NotConnected); // the provider is gone
    };
    (access.dispatch)(leptos_sync_core::Event::Request(
        leptos_sync_core::Request {
            id,
            method: R::METHOD.to_string(),
            payload,
            timeout_ms: Some(options.timeout_ms),
            policy: options.policy,
        },
    ));
    handle
}
