//! `<ConnectionIndicator/>`: a dot coloured by the connection's state.

use leptos::prelude::*;

use super::{classes, fill, goodbye, inject_styles};
use crate::hooks::use_sync_connection;
use leptos_sync_core::state::{ConnectionState, FailReason};

/// Texts for the connection's states, used by [`ConnectionIndicator`] and
/// [`StatusBar`](crate::StatusBar). `{attempt}` and `{reason}` are filled in.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{ConnectionIndicator, StateLabels};
///
/// #[component]
/// fn German() -> impl IntoView {
///     let labels = StateLabels {
///         open: "Verbunden".into(),
///         offline: "Offline".into(),
///         reconnecting: "Neuer Versuch ({attempt})".into(),
///         ..Default::default()
///     };
///     view! { <ConnectionIndicator labels=labels show_text=true/> }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateLabels {
    /// Not opened yet. Default "Not connected".
    pub idle: String,
    /// First connect. Default "Connecting".
    pub connecting: String,
    /// Socket open, waiting for `welcome`. Default "Connecting".
    pub handshaking: String,
    /// Data flows. Default "Connected".
    pub open: String,
    /// Waiting for, or making, retry `{attempt}`. Default "Reconnecting (attempt {attempt})".
    pub reconnecting: String,
    /// Stopped trying because of `{reason}`. Default "Connection failed: {reason}".
    pub failed: String,
    /// Closed by the user. Default "Disconnected".
    pub closed: String,
    /// The browser says it is offline. Default "Offline".
    pub offline: String,
    /// The server ended the session (a close of 1000 or 4500–4599,
    /// [`FailReason::ServerSaidGoodbye`]): nothing retries until `open()`.
    /// `{reason}` is the server's reason, or the close code when it gave
    /// none. Default "Session ended by the server ({reason})".
    pub goodbye: String,
}

impl Default for StateLabels {
    fn default() -> Self {
        Self {
            idle: "Not connected".into(),
            connecting: "Connecting".into(),
            handshaking: "Connecting".into(),
            open: "Connected".into(),
            reconnecting: "Reconnecting (attempt {attempt})".into(),
            failed: "Connection failed: {reason}".into(),
            closed: "Disconnected".into(),
            offline: "Offline".into(),
            goodbye: "Session ended by the server ({reason})".into(),
        }
    }
}

impl StateLabels {
    /// The text for `state`; `online == false` wins over every state. A state
    /// that a later core adds, before these labels have a text for it, reads
    /// as its English `Display`.
    ///
    /// ## Usage
    ///
    /// ```
    /// use leptos_sync::{ConnectionState, FailReason, StateLabels};
    /// let labels = StateLabels::default();
    /// let state = ConnectionState::Reconnecting { attempt: 3, next_at: 0 };
    /// assert_eq!(labels.text(&state, true), "Reconnecting (attempt 3)");
    /// assert_eq!(labels.text(&state, false), "Offline");
    /// let goodbye = ConnectionState::Failed {
    ///     reason: FailReason::ServerSaidGoodbye { code: 4500, reason: "account deleted".into() },
    /// };
    /// assert_eq!(labels.text(&goodbye, true), "Session ended by the server (account deleted)");
    /// ```
    pub fn text(&self, state: &ConnectionState, online: bool) -> String {
        if !online {
            return self.offline.clone();
        }
        match state {
            ConnectionState::Idle => self.idle.clone(),
            ConnectionState::Connecting { attempt: 0 } => self.connecting.clone(),
            ConnectionState::Connecting { attempt }
            | ConnectionState::Reconnecting { attempt, .. } => {
                fill(&self.reconnecting, &[("attempt", &attempt.to_string())])
            }
            ConnectionState::Handshaking => self.handshaking.clone(),
            ConnectionState::Open => self.open.clone(),
            ConnectionState::Failed {
                reason: FailReason::ServerSaidGoodbye { code, reason },
            } => goodbye(&self.goodbye, *code, reason),
            ConnectionState::Failed { reason } => {
                fill(&self.failed, &[("reason", &reason.to_string())])
            }
            ConnectionState::Closed => self.closed.clone(),
            _ => state.to_string(),
        }
    }
}

/// The BEM modifier for `state`: idle, connecting, handshaking, open,
/// reconnecting, failed, closed, or offline when the browser is offline;
/// `unknown` for a state that a later core adds before the widgets know it.
pub(crate) fn state_modifier(state: &ConnectionState, online: bool) -> &'static str {
    if !online {
        return "offline";
    }
    match state {
        ConnectionState::Idle => "idle",
        ConnectionState::Connecting { .. } => "connecting",
        ConnectionState::Handshaking => "handshaking",
        ConnectionState::Open => "open",
        ConnectionState::Reconnecting { .. } => "reconnecting",
        ConnectionState::Failed { .. } => "failed",
        ConnectionState::Closed => "closed",
        _ => "unknown",
    }
}

/// A dot whose class follows the connection's state, with an accessible label.
///
/// Renders `<span class="ls-indicator ls-indicator--{state}" role="status"
/// aria-label="…" title="…">` holding a `ls-indicator__dot` and, with
/// `show_text`, a `ls-indicator__text`. The state is one of `idle`,
/// `connecting`, `handshaking`, `open`, `reconnecting`, `failed`, `closed`, or
/// `offline` while the browser says it is offline (that wins over the rest).
/// The label comes from [`StateLabels`]: "Connected", "Connecting",
/// "Reconnecting (attempt 3)", "Offline", "Connection failed: <reason>",
/// "Session ended by the server (<reason>)" (a server goodbye, which is not
/// retried), "Disconnected".
///
/// Colours: `--ls-color-<state>`; size: `--ls-indicator-size`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::ConnectionIndicator;
///
/// #[component]
/// fn Header() -> impl IntoView {
///     // Inside a <SyncProvider>.
///     view! { <nav>"My app" <ConnectionIndicator show_text=true class="nav-indicator"/></nav> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`.
#[component]
pub fn ConnectionIndicator(
    /// Extra classes for the root element; a signal updates them in place.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Texts per state.
    #[prop(optional)]
    labels: StateLabels,
    /// Also show the label as visible text next to the dot.
    #[prop(optional)]
    show_text: bool,
) -> impl IntoView {
    inject_styles();
    let connection = use_sync_connection();
    let (state, online) = (connection.state, connection.online);
    let modifier = Memo::new(move |_| state.with(|s| state_modifier(s, online.get())));
    // `Signal<String>` for every reactive text and class, as in the other
    // widgets, so that their attribute and text code exists once.
    let label: Signal<String> = Signal::from(Memo::new(move |_| {
        state.with(|s| labels.text(s, online.get()))
    }));
    let class = Signal::derive(move || {
        classes(
            format!("ls-indicator ls-indicator--{}", modifier.get()),
            class.get(),
        )
    });
    view! {
        <span class=class role="status" aria-label=label title=label>
            <span class="ls-indicator__dot" aria-hidden="true"></span>
            {show_text.then(|| view! { <span class="ls-indicator__text">{label}</span> })}
        </span>
    }
}
