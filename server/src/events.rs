//! Server events: application messages pushed to one connection, to a
//! principal's connections, to a topic's subscribers or to everyone, as
//! `event` frames (PROTOCOL.md, "Server events").
//!
//! An event is not topic state: it has no seq, no history and no replay.
//! A connection event is queued at once (a connection id is this node's);
//! a principal, topic or everyone event goes to [`Engine::broadcast`](crate::Engine::broadcast),
//! which hands it to every node sharing the engine; each node's sink gets
//! it in [`Deliver::event`](crate::Deliver::event) and queues it on its own connections.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use leptos_sync_protocol::ServerMsg;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::{Change, Deliver, EngineError};
pub use crate::fanout::ConnId;
use crate::fanout::Fanout;
use crate::hooks::Principal;
use crate::queue::{Out, Tx};
use crate::{SyncServer, SyncServerBuilder};

/// Who a [`ServerEvent`] goes to.
///
/// ```
/// use leptos_sync_server::EventTarget;
/// let to = EventTarget::Topic("Chat:42".into());
/// assert_eq!(serde_json::to_string(&to).unwrap(), r#"{"topic":"Chat:42"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventTarget {
    /// One connection of this node, by the id [`Connected::conn`] gave. A
    /// connection id means nothing on another node: this one is never relayed.
    Connection(ConnId),
    /// Every connection whose [`Principal::id`] is this, on every node.
    Principal(String),
    /// Every connection subscribed to this topic (the full wire topic,
    /// parameter included), on every node; the frame names the topic.
    Topic(String),
    /// Every connection past its handshake, on every node.
    Everyone,
}

/// An event on its way to clients: where it goes, its name (which selects
/// the type the client decodes its payload into) and its payload.
///
/// ```
/// use leptos_sync_server::{EventTarget, ServerEvent};
/// let event = ServerEvent { to: EventTarget::Everyone, name: "maintenance".into(), payload: serde_json::json!({ "in_min": 5 }), except: None };
/// let relayed: ServerEvent = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
/// assert_eq!(relayed, event);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerEvent {
    /// Who gets it.
    pub to: EventTarget,
    /// Its name.
    pub name: String,
    /// Any JSON value.
    pub payload: Value,
    /// A session id ([`Connected::session`]) whose connection does not get
    /// it: an `on_connect` hook announcing a newcomer leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<String>,
}

impl ServerEvent {
    /// The `event` frame: it names the topic for a topic event only.
    fn frame(&self) -> String {
        let topic = match &self.to {
            EventTarget::Topic(topic) => Some(topic.clone()),
            _ => None,
        };
        ServerMsg::Event {
            topic,
            name: self.name.clone(),
            payload: self.payload.clone(),
        }
        .encode()
    }
}

/// A connection that has just completed its handshake, as the
/// [`on_connect`](SyncServerBuilder::on_connect) hook sees it.
///
/// ```
/// use leptos_sync_server::{Connected, Principal};
/// let conn = Connected { conn: 7, session: "ab-7".into(), principal: Principal::new("ana") };
/// assert_eq!(conn.principal.id, "ana");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Connected {
    /// Its id on this node, for [`EventTarget::Connection`].
    pub conn: ConnId,
    /// The session id its `welcome` carried.
    pub session: String,
    /// Who `authenticate` said it is.
    pub principal: Principal,
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
pub(crate) type ConnectHook = Arc<dyn Fn(SyncServer, Connected) -> BoxFuture + Send + Sync>;

/// This node's connections past their handshake, by id, with their principal.
#[derive(Default)]
pub(crate) struct Connections {
    conns: Mutex<HashMap<ConnId, Registered>>,
}

struct Registered {
    principal: String,
    session: String,
    tx: Tx,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, Registered>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn register(&self, conn: ConnId, principal: &str, session: &str, tx: Tx) {
        let registered = Registered {
            principal: principal.to_owned(),
            session: session.to_owned(),
            tx,
        };
        self.lock().insert(conn, registered);
    }

    pub(crate) fn unregister(&self, conn: ConnId) {
        self.lock().remove(&conn);
    }

    /// Queues `event` on this node's connections it is for.
    pub(crate) fn deliver(&self, fanout: &Fanout, event: &ServerEvent) {
        let text = event.frame();
        let conns = self.lock();
        let excepted = |id: &ConnId| {
            event
                .except
                .as_ref()
                .is_some_and(|s| conns.get(id).is_some_and(|c| c.session == *s))
        };
        if let EventTarget::Topic(topic) = &event.to {
            // Lock order: connections, then the fanout's (and never the other way).
            fanout.send_to_topic(topic, &text, |id| !excepted(&id));
            return;
        }
        for (id, c) in conns.iter() {
            let wanted = match &event.to {
                EventTarget::Connection(conn) => conn == id,
                EventTarget::Principal(who) => *who == c.principal,
                EventTarget::Everyone => true,
                EventTarget::Topic(_) => false,
            };
            if wanted && !excepted(id) {
                c.tx.send(Out::Text(text.clone()));
            }
        }
    }
}

/// The sink the engine hands every node's events to.
pub(crate) struct EventSink {
    pub(crate) conns: Arc<Connections>,
    pub(crate) fanout: Arc<Fanout>,
}

impl Deliver for EventSink {
    /// Changes are the [`Fanout`]'s to deliver.
    fn deliver(&self, _topic: &str, _change: &Change) {}

    fn event(&self, event: &ServerEvent) {
        self.conns.deliver(&self.fanout, event);
    }
}

impl SyncServer {
    /// Sends an `event` frame named `name` with `payload` to `to`: one
    /// connection of this node, a principal's connections, a topic's
    /// subscribers, or everyone past the handshake. All but a connection
    /// event go through [`Engine::broadcast`](crate::Engine::broadcast), so
    /// with an engine shared by several nodes (Redis) each delivers it to
    /// its own connections; only an engine that cannot relay it is an error.
    /// An event is not kept: a client that is disconnected now never sees it.
    ///
    /// Send an app's events only to clients that handle them: a client of an
    /// older release reports an event frame as an unknown message (it keeps
    /// the connection), while a current one ignores and counts an event name
    /// it does not know.
    ///
    /// ```
    /// use leptos_sync_server::{EventTarget, SyncServer};
    /// use serde_json::json;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// // No one is connected yet: it reaches nobody, and that is no error.
    /// let sent = sync.send_event(EventTarget::Topic("Chat:42".into()), "typing", json!({ "who": "ana" })).await;
    /// assert!(sent.is_ok());
    /// # }
    /// ```
    pub async fn send_event(
        &self,
        to: EventTarget,
        name: impl Into<String>,
        payload: Value,
    ) -> Result<(), EngineError> {
        self.send(ServerEvent {
            to,
            name: name.into(),
            payload,
            except: None,
        })
        .await
    }

    /// [`send_event`](Self::send_event) with every field of the event,
    /// such as a session to leave out.
    ///
    /// ```
    /// use leptos_sync_server::{EventTarget, ServerEvent, SyncServer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// let event = ServerEvent {
    ///     to: EventTarget::Everyone,
    ///     name: "joined".into(),
    ///     payload: "ana".into(),
    ///     except: Some("ab-7".into()), // the newcomer's own session
    /// };
    /// assert!(sync.send(event).await.is_ok());
    /// # }
    /// ```
    pub async fn send(&self, event: ServerEvent) -> Result<(), EngineError> {
        if let EventTarget::Connection(_) = event.to {
            self.app.conns.deliver(&self.app.fanout, &event);
            return Ok(());
        }
        self.app.engine.broadcast(&event).await
    }
}

impl SyncServerBuilder {
    /// Runs when a connection has been authenticated, before its `welcome`:
    /// so before any of its subscriptions, and before it receives events
    /// (from its `welcome` on). To announce "someone joined" to everyone
    /// else, leave its session out ([`ServerEvent::except`]): with an engine
    /// shared by several nodes an event may come back after the `welcome`.
    /// The hook is awaited (keep it short: the client waits for its
    /// `welcome`) in a task of its own; a panic in it is logged and ends nothing.
    ///
    /// ```
    /// use leptos_sync_server::{EventTarget, ServerEvent, SyncServer};
    /// use serde_json::json;
    /// let sync = SyncServer::builder()
    ///     .on_connect(|sync, conn| async move {
    ///         let payload = json!({ "who": conn.principal.id });
    ///         let joined = ServerEvent { to: EventTarget::Everyone, name: "joined".into(), payload, except: Some(conn.session) };
    ///         let _ = sync.send(joined).await;
    ///     })
    ///     .build();
    /// # let _ = sync;
    /// ```
    pub fn on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(SyncServer, Connected) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.hooks.on_connect = Some(Arc::new(move |sync, conn| Box::pin(hook(sync, conn))));
        self
    }
}

/// Runs the `on_connect` hook, if any, in a task of its own.
pub(crate) async fn on_connect(app: &Arc<crate::server::App>, conn: Connected) {
    let Some(hook) = app.hooks.on_connect.clone() else {
        return;
    };
    let id = conn.conn;
    let sync = SyncServer { app: app.clone() };
    if let Err(e) = tokio::spawn(hook(sync, conn)).await {
        eprintln!("leptos-sync-server: on_connect hook of connection {id}: {e}");
    }
}
