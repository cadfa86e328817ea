//! [`SyncEvent`]: a server event's payload type, and the provider's table of
//! event handlers ([`Handlers`]) the driver hands each decoded event to.

use std::any::{Any, TypeId};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::data::registry::SyncRegistry;
use leptos_sync_core::SyncError;

/// A type the payload of the server events named [`NAME`](Self::NAME)
/// decodes into. Register it with [`SyncRegistry::event`], then handle it
/// with [`use_sync_event`](crate::use_sync_event).
///
/// Derive it (feature `derive`): the name is the type's name, or
/// `#[sync(name = "…")]`.
///
/// ```
/// use serde::Deserialize;
/// use leptos_sync::{SyncEvent, SyncRegistry};
///
/// #[derive(Clone, Deserialize, SyncEvent)]
/// #[sync(name = "joined")]
/// struct Joined { who: String }
///
/// // By hand, the same thing:
/// #[derive(Clone, Deserialize)]
/// struct Left { who: String }
/// impl SyncEvent for Left {
///     const NAME: &'static str = "left";
/// }
///
/// let registry = SyncRegistry::new().event::<Joined>().event::<Left>();
/// assert!(registry.handles_event("joined") && registry.handles_event("left"));
/// ```
pub trait SyncEvent: DeserializeOwned + 'static {
    /// The event's name on the wire.
    const NAME: &'static str;
}

/// What came with a server event besides its payload.
///
/// ```
/// use leptos_sync::SyncEventMeta;
/// // A handler's filter for one board's events.
/// fn on_board_7(meta: &SyncEventMeta) -> bool {
///     meta.topic.as_deref() == Some("Board:7")
/// }
/// let mut meta = SyncEventMeta::default(); // no topic: sent to this client, its principal or everyone
/// assert!(!on_board_7(&meta));
/// meta.topic = Some("Board:7".into());
/// assert!(on_board_7(&meta));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SyncEventMeta {
    /// The topic whose subscribers it was sent to (the full wire topic,
    /// parameter included), or `None` for an event sent to this connection,
    /// its principal or everyone.
    pub topic: Option<String>,
}

/// Decodes a payload into the registered type, behind `dyn Any`.
pub(crate) type Decode = fn(Value) -> Result<Rc<dyn Any>, String>;

pub(crate) fn decoder<E: SyncEvent>() -> Decode {
    |payload| {
        serde_json::from_value::<E>(payload)
            .map(|event| Rc::new(event) as Rc<dyn Any>)
            .map_err(|e| e.to_string())
    }
}

pub(crate) type Handler = Rc<dyn Fn(&dyn Any, &SyncEventMeta)>;

/// The handlers of the mounted components, by event name.
#[derive(Default)]
pub(crate) struct Handlers {
    next: u64,
    handlers: Vec<(u64, &'static str, Handler)>,
}

impl Handlers {
    /// Adds a handler of `E`; the id removes it.
    pub fn add<E: SyncEvent>(&mut self, handler: impl Fn(&E, &SyncEventMeta) + 'static) -> u64 {
        self.next += 1;
        let handler: Handler = Rc::new(move |event, meta| {
            // The driver decoded it with `E`'s registered decoder.
            if let Some(event) = event.downcast_ref::<E>() {
                handler(event, meta);
            }
        });
        self.handlers.push((self.next, E::NAME, handler));
        self.next
    }

    pub fn remove(&mut self, id: u64) {
        self.handlers.retain(|(i, _, _)| *i != id);
    }

    /// The handlers of `name`, cloned so that they may add or remove handlers.
    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver delivers events
    pub fn of(&self, name: &str) -> Vec<Handler> {
        self.handlers
            .iter()
            .filter(|(_, n, _)| *n == name)
            .map(|(_, _, h)| h.clone())
            .collect()
    }
}

/// Decodes a server event with its registered type and calls its handlers.
/// A payload that does not decode is an error, with or without handlers.
#[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver delivers events
pub(crate) fn dispatch(
    registry: &SyncRegistry,
    handlers: impl FnOnce(&str) -> Vec<Handler>,
    topic: Option<String>,
    name: &str,
    payload: Value,
) -> Result<(), SyncError> {
    // The core passes on only the names the registry lists.
    let Some(decode) = registry.event_decoder(name) else {
        return Ok(());
    };
    let event = decode(payload).map_err(|error| SyncError::EventDeserializationFailed {
        event_name: name.to_owned(),
        error,
    })?;
    let meta = SyncEventMeta { topic };
    for handler in handlers(name) {
        handler(&*event, &meta);
    }
    Ok(())
}

/// The registry's server events: each name with its payload decoder and type.
#[derive(Clone, Default)]
pub(crate) struct RegisteredEvents(Vec<(&'static str, Decode, TypeId)>);

// By name: a name has one type, and comparing decoders (fn pointers) is not reliable.
impl PartialEq for RegisteredEvents {
    fn eq(&self, other: &Self) -> bool {
        self.names().eq(other.names())
    }
}

impl Eq for RegisteredEvents {}

impl std::fmt::Debug for RegisteredEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl RegisteredEvents {
    fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(name, _, _)| *name)
    }

    fn decoder(&self, name: &str) -> Option<Decode> {
        self.0
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, d, _)| *d)
    }
}

impl SyncRegistry {
    /// Adds the server event `E`: events named `E::NAME` are decoded into
    /// `E` and handed to [`use_sync_event`](crate::use_sync_event). An event
    /// whose name is not registered is ignored and counted in
    /// [`ConnectionMetrics::events_ignored`](crate::ConnectionMetrics::events_ignored).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::{SyncComponent, SyncEvent, SyncRegistry};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)] struct Task { title: String }
    /// #[derive(Clone, Deserialize, SyncEvent)]
    /// struct Joined { who: String }
    /// let registry = SyncRegistry::new().register::<Task>().event::<Joined>();
    /// assert!(registry.handles_event("Joined") && !registry.handles_event("Task"));
    /// ```
    pub fn event<E: SyncEvent>(mut self) -> Self {
        self.events.0.retain(|(name, _, _)| *name != E::NAME);
        self.events
            .0
            .push((E::NAME, decoder::<E>(), TypeId::of::<E>()));
        self
    }

    /// Whether server events named `name` are registered.
    ///
    /// ```
    /// use leptos_sync::SyncRegistry;
    /// assert!(!SyncRegistry::new().handles_event("Joined"));
    /// ```
    pub fn handles_event(&self, name: &str) -> bool {
        self.events.decoder(name).is_some()
    }

    /// The registered event names, for the core's filter.
    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver delivers events
    pub(crate) fn event_names(&self) -> std::collections::BTreeSet<String> {
        self.events.names().map(str::to_owned).collect()
    }

    /// Whether `E` itself is registered, not only another type of its name.
    pub(crate) fn registers_event<E: SyncEvent>(&self) -> bool {
        self.events
            .0
            .iter()
            .any(|(name, _, ty)| *name == E::NAME && *ty == TypeId::of::<E>())
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver delivers events
    pub(crate) fn event_decoder(&self, name: &str) -> Option<Decode> {
        self.events.decoder(name)
    }
}
