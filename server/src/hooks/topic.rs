//! Matching a hook's topic on its name: a topic with a parameter is
//! `<NAME>:<param>` on the wire (see [`crate::topic`]), and rules are
//! usually about the name (`Task`), whatever the board or room.

use super::{Action, Mutation};
use leptos_sync_protocol::topic;

impl<'a> Action<'a> {
    /// The whole topic the action is about, parameter included.
    ///
    /// ```
    /// use leptos_sync_server::Action;
    /// assert_eq!(Action::Subscribe { topic: "Task:ops" }.topic(), "Task:ops");
    /// ```
    pub fn topic(&self) -> &'a str {
        match self {
            Self::Subscribe { topic } | Self::Mutate { topic, .. } => topic,
        }
    }

    /// The topic's name, without its parameter: `Task` for `Task:ops`.
    ///
    /// ```
    /// use leptos_sync_server::{Action, SyncServer};
    /// // Boards are `Board:<id>`: only members of a board may open it.
    /// let sync = SyncServer::builder()
    ///     .authorize(|who, action| match (action.base(), action.param()) {
    ///         ("Board", Some(board)) if who.data["boards"].get(board).is_none() => {
    ///             Err("not a member of this board".into())
    ///         }
    ///         _ => Ok(()),
    ///     })
    ///     .build();
    /// # let _ = sync;
    /// assert_eq!(Action::Subscribe { topic: "Task:ops" }.base(), "Task");
    /// assert_eq!(Action::Subscribe { topic: "Task" }.base(), "Task");
    /// ```
    pub fn base(&self) -> &'a str {
        topic::base(self.topic())
    }

    /// The topic's parameter (`ops` for `Task:ops`), `None` without one.
    ///
    /// ```
    /// use leptos_sync_server::Action;
    /// assert_eq!(Action::Subscribe { topic: "Doc:a:b" }.param(), Some("a:b"));
    /// assert_eq!(Action::Subscribe { topic: "Doc" }.param(), None);
    /// ```
    pub fn param(&self) -> Option<&'a str> {
        topic::split(self.topic()).1
    }
}

impl<'a> Mutation<'a> {
    /// The topic's name, without its parameter: `Task` for `Task:ops`.
    ///
    /// ```
    /// use leptos_sync_server::{Mutation, SyncServer};
    /// // Every board's tasks need a title, whatever the board.
    /// let sync = SyncServer::builder()
    ///     .validate(|_, mutation, value| match mutation.base() {
    ///         "Task" if !value.is_null() && value["title"].as_str().is_none() => {
    ///             Err("a task needs a title".into())
    ///         }
    ///         _ => Ok(value),
    ///     })
    ///     .build();
    /// # let _ = sync;
    /// let m = Mutation { id: "m1", topic: "Task:ops", key: "k" };
    /// assert_eq!(m.base(), "Task");
    /// ```
    pub fn base(&self) -> &'a str {
        topic::base(self.topic)
    }

    /// The topic's parameter (`ops` for `Task:ops`), `None` without one.
    ///
    /// ```
    /// use leptos_sync_server::Mutation;
    /// let m = Mutation { id: "m1", topic: "Task:ops", key: "k" };
    /// assert_eq!(m.param(), Some("ops"));
    /// ```
    pub fn param(&self) -> Option<&'a str> {
        topic::split(self.topic).1
    }
}
