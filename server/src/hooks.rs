//! The hooks an application owns: who a connection is ([`Principal`], from
//! `authenticate`), what it may do (`authorize`, per [`Action`]), and what a
//! mutation becomes (`validate`), and a topic's lifecycle on this node
//! (`on_first_subscribe`, `on_last_unsubscribe`, `load_topic`). Set them on
//! the [`SyncServerBuilder`](crate::SyncServerBuilder).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos_sync_protocol::close_code;
use serde_json::{Map, Value};

mod topic;

/// Who a connection is, as the application's `authenticate` hook decided.
/// It stays attached to the connection and is handed to every other hook.
///
/// ```
/// use leptos_sync_server::Principal;
/// use serde_json::json;
/// let alice = Principal::new("alice").with_data(json!({ "role": "observer" }));
/// assert_eq!(alice.data["role"], "observer");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Principal {
    /// The application's id for the user or service.
    pub id: String,
    /// Anything else the application wants its hooks to see (roles, tenant).
    pub data: Value,
}

impl Principal {
    /// A principal with this id and no data.
    ///
    /// ```
    /// use leptos_sync_server::Principal;
    /// assert_eq!(Principal::new("alice").id, "alice");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            data: Value::Null,
        }
    }

    /// The same principal carrying `data`.
    ///
    /// ```
    /// use leptos_sync_server::Principal;
    /// let who = Principal::new("alice").with_data(serde_json::json!({ "role": "editor" }));
    /// assert_eq!(who.data["role"], "editor");
    /// ```
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// Why `authenticate` refused a `hello`: the connection closes with the
/// matching code, which tells the client not to retry until its token changes.
///
/// ```
/// use leptos_sync_server::{Reject, SyncServer};
/// let sync = SyncServer::builder()
///     .authenticate(|token| async move {
///         match token.as_deref() {
///             Some("banned") => Err(Reject::Forbidden),
///             Some(user) => Ok(leptos_sync_server::Principal::new(user)),
///             None => Err(Reject::Unauthorized),
///         }
///     })
///     .build();
/// # let _ = sync;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Close 4401 `unauthorized`: no valid credentials.
    Unauthorized,
    /// Close 4403 `forbidden`: valid credentials that may not connect.
    Forbidden,
}

impl Reject {
    /// The close code and reason this rejection closes with.
    ///
    /// ```
    /// use leptos_sync_server::Reject;
    /// assert_eq!(Reject::Unauthorized.close(), (4401, "unauthorized"));
    /// assert_eq!(Reject::Forbidden.close(), (4403, "forbidden"));
    /// ```
    pub fn close(self) -> (u16, &'static str) {
        match self {
            Self::Unauthorized => (close_code::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden => (close_code::FORBIDDEN, "forbidden"),
        }
    }
}

/// What a client asks to do, as `authorize` sees it.
///
/// ```
/// use leptos_sync_server::{Action, SyncServer};
/// let sync = SyncServer::builder()
///     .authorize(|who, action| match action {
///         Action::Subscribe { topic } if topic.starts_with("admin/") && who.id != "root" => {
///             Err("admins only".into())
///         }
///         Action::Mutate { value, .. } if value.is_null() && who.data["role"] != "editor" => {
///             Err("only editors remove".into())
///         }
///         _ => Ok(()),
///     })
///     .build();
/// # let _ = sync;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action<'a> {
    /// Subscribe to a topic.
    Subscribe {
        /// The topic.
        topic: &'a str,
    },
    /// Set (or, with a null value, remove) one key of a topic.
    Mutate {
        /// The topic.
        topic: &'a str,
        /// The key.
        key: &'a str,
        /// The value the client sent.
        value: &'a Value,
    },
}

/// A mutation as `validate` sees it; the value is passed separately, by value.
///
/// ```
/// use leptos_sync_server::SyncServer;
/// let sync = SyncServer::builder()
///     .validate(|who, mutation, value| {
///         if mutation.key.len() > 64 {
///             return Err(format!("key too long in {}", mutation.topic));
///         }
///         println!("{} sets {} ({})", who.id, mutation.key, mutation.id);
///         Ok(value)
///     })
///     .build();
/// # let _ = sync;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mutation<'a> {
    /// The client's mutation id.
    pub id: &'a str,
    /// The topic.
    pub topic: &'a str,
    /// The key.
    pub key: &'a str,
}

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pub(crate) type Authenticate =
    Arc<dyn Fn(Option<String>) -> BoxFuture<Result<Principal, Reject>> + Send + Sync>;
pub(crate) type Authorize =
    Arc<dyn Fn(&Principal, &Action<'_>) -> Result<(), String> + Send + Sync>;
pub(crate) type Validate =
    Arc<dyn Fn(&Principal, &Mutation<'_>, Value) -> Result<Value, String> + Send + Sync>;
/// `on_first_subscribe` or `on_last_unsubscribe`, given the topic.
pub(crate) type TopicHook = Arc<dyn Fn(String) -> BoxFuture<()> + Send + Sync>;
/// `load_topic`: a missing topic's entries, or why they cannot be loaded.
pub(crate) type Loader =
    Arc<dyn Fn(String) -> BoxFuture<Result<Map<String, Value>, String>> + Send + Sync>;

/// The hooks of one server; unset ones allow everything.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) authenticate: Option<Authenticate>,
    pub(crate) authorize: Option<Authorize>,
    pub(crate) validate: Option<Validate>,
    pub(crate) first_subscribe: Option<TopicHook>,
    pub(crate) last_unsubscribe: Option<TopicHook>,
    pub(crate) load_topic: Option<Loader>,
    pub(crate) on_connect: Option<crate::events::ConnectHook>,
}

impl Hooks {
    /// Runs `authenticate`; without one every connection is anonymous.
    pub(crate) async fn authenticate(&self, token: Option<String>) -> Result<Principal, Reject> {
        match &self.authenticate {
            Some(hook) => hook(token).await,
            None => Ok(Principal::default()),
        }
    }

    /// Runs `authorize`; the error is the reason of a denial.
    pub(crate) fn authorize(
        &self,
        principal: &Principal,
        action: &Action<'_>,
    ) -> Result<(), String> {
        self.authorize
            .as_ref()
            .map_or(Ok(()), |hook| hook(principal, action))
    }

    /// Runs `validate`: the value to apply, or the reason of a rejection.
    pub(crate) fn validate(
        &self,
        principal: &Principal,
        mutation: &Mutation<'_>,
        value: Value,
    ) -> Result<Value, String> {
        match &self.validate {
            Some(hook) => hook(principal, mutation, value),
            None => Ok(value),
        }
    }
}
