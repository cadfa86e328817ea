//! `<ReconnectBanner/>`: says why there is no connection and when the next try comes.

use leptos::prelude::*;

use super::connection_indicator::state_modifier;
use super::{classes, fill, goodbye, inject_styles, use_clock, use_timeout_slot};
use crate::hooks::use_sync_connection;
use crate::provider::Timeout;
use leptos_sync_core::state::{ConnectionState, FailReason, Millis};

/// Texts of [`ReconnectBanner`]. `{seconds}`, `{attempt}` and `{reason}` are filled in.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{ReconnectBanner, ReconnectBannerLabels};
///
/// #[component]
/// fn Banner() -> impl IntoView {
///     let labels = ReconnectBannerLabels {
///         offline: "No network. Changes are kept and sent later.".into(),
///         ..Default::default()
///     };
///     view! { <ReconnectBanner labels=labels grace_ms=2_000/> }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectBannerLabels {
    /// A first connect that takes long. Default "Connecting…".
    pub connecting: String,
    /// Waiting for a retry. Default "Reconnecting in {seconds} s (attempt {attempt})".
    pub reconnecting_in: String,
    /// A retry under way, or due. Default "Reconnecting… (attempt {attempt})".
    pub reconnecting_now: String,
    /// The browser is offline. Default "You are offline".
    pub offline: String,
    /// Stopped trying. Default "Connection failed: {reason}".
    pub failed: String,
    /// The button while waiting for a retry. Default "Retry now".
    pub retry_now: String,
    /// The button after a failure. Default "Retry".
    pub retry: String,
    /// The server ended the session (a close of 1000 or 4500–4599,
    /// [`FailReason::ServerSaidGoodbye`]) and nothing retries until `open()`.
    /// `{reason}` is the server's reason, or the close code when it gave
    /// none. Default "The server ended the session ({reason})".
    pub goodbye: String,
    /// The button after a goodbye. Default "Reconnect".
    pub reconnect: String,
}

impl Default for ReconnectBannerLabels {
    fn default() -> Self {
        Self {
            connecting: "Connecting…".into(),
            reconnecting_in: "Reconnecting in {seconds} s (attempt {attempt})".into(),
            reconnecting_now: "Reconnecting… (attempt {attempt})".into(),
            offline: "You are offline".into(),
            failed: "Connection failed: {reason}".into(),
            retry_now: "Retry now".into(),
            retry: "Retry".into(),
            goodbye: "The server ended the session ({reason})".into(),
            reconnect: "Reconnect".into(),
        }
    }
}

impl ReconnectBannerLabels {
    /// The message; `now` gives the live countdown, `None` the steady text
    /// that screen readers hear.
    fn message(&self, state: &ConnectionState, online: bool, now: Option<Millis>) -> String {
        if !online {
            return self.offline.clone();
        }
        match *state {
            ConnectionState::Reconnecting { attempt, next_at } => {
                let attempt = attempt.to_string();
                let left = now.map_or(0, |now| next_at.saturating_sub(now).div_ceil(1000));
                if left > 0 {
                    let seconds = left.to_string();
                    fill(
                        &self.reconnecting_in,
                        &[("seconds", &seconds), ("attempt", &attempt)],
                    )
                } else {
                    fill(&self.reconnecting_now, &[("attempt", &attempt)])
                }
            }
            ConnectionState::Connecting { attempt } if attempt > 0 => {
                fill(&self.reconnecting_now, &[("attempt", &attempt.to_string())])
            }
            ConnectionState::Failed {
                reason: FailReason::ServerSaidGoodbye { code, ref reason },
            } => goodbye(&self.goodbye, code, reason),
            ConnectionState::Failed { ref reason } => {
                fill(&self.failed, &[("reason", &reason.to_string())])
            }
            _ => self.connecting.clone(),
        }
    }

    /// The button's text, if `open()` can help in `state`.
    fn button(&self, state: &ConnectionState) -> Option<String> {
        match state {
            ConnectionState::Reconnecting { .. } => Some(self.retry_now.clone()),
            ConnectionState::Failed {
                reason: FailReason::InvalidUrl,
            } => None, // `open()` cannot fix the URL
            ConnectionState::Failed {
                reason: FailReason::ServerSaidGoodbye { .. },
            } => Some(self.reconnect.clone()),
            ConnectionState::Failed { .. } => Some(self.retry.clone()),
            _ => None,
        }
    }
}

/// A banner that appears when the connection has been down for longer than
/// `grace_ms`, so that quick blips don't flicker.
///
/// It shows a live countdown to the next retry ("Reconnecting in 3 s
/// (attempt 2)", ticking every 250 ms while visible) with a "Retry now"
/// button that connects at once; "You are offline" while the browser is
/// offline; and "Connection failed: <reason>" with a "Retry" button once the
/// connection gave up (that shows at once: it will not go away by itself).
/// A server goodbye (close 1000 or 4500–4599) shows at once too, as "The
/// server ended the session (<reason>)" with a "Reconnect" button: no retry
/// is coming.
/// A slow first connect shows "Connecting…".
///
/// It is **never shown** for `Idle` (not opened yet) or `Closed` (the user
/// closed the connection: that is a choice, not a fault), even offline.
///
/// Renders `<div class="ls-reconnect-banner ls-reconnect-banner--{state}"
/// role="status" aria-live="polite">` with a `ls-reconnect-banner__message`
/// (the ticking text, hidden from screen readers, which hear a steady
/// `ls-reconnect-banner__announce` text instead of one update per second)
/// and a `ls-reconnect-banner__retry` button, `hidden` while there is
/// nothing to retry (a first connect, an invalid URL).
///
/// Colours: `--ls-banner-bg`, `--ls-banner-fg`, `--ls-color-<state>`,
/// `--ls-button-bg`, `--ls-button-fg`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::ReconnectBanner;
///
/// #[component]
/// fn Layout() -> impl IntoView {
///     // Inside a <SyncProvider>.
///     view! { <ReconnectBanner grace_ms=1_500 class="top"/> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`.
#[component]
pub fn ReconnectBanner(
    /// Extra classes for the root element; a signal updates them in place.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Texts of the banner.
    #[prop(optional)]
    labels: ReconnectBannerLabels,
    /// How long the connection must be down before the banner shows, in ms.
    #[prop(default = 1_000)]
    grace_ms: u32,
) -> impl IntoView {
    inject_styles();
    let connection = use_sync_connection();
    let (state, online) = (connection.state, connection.online);

    let down = Memo::new(move |_| {
        state.with(|s| match s {
            ConnectionState::Idle | ConnectionState::Closed => false,
            ConnectionState::Open => !online.get(),
            _ => true,
        })
    });
    let grace_over = RwSignal::new(false);
    let grace_timer = use_timeout_slot();
    Effect::new(move |_| {
        let pending = down
            .get()
            .then(|| Timeout::new(grace_ms, move || grace_over.set(true)));
        if pending.is_none() {
            grace_over.set(false);
        }
        grace_timer.set_value(pending);
    });
    // A failure shows at once: it will not go away by itself.
    let visible = Memo::new(move |_| {
        down.get()
            && (grace_over.get() || state.with(|s| matches!(s, ConnectionState::Failed { .. })))
    });
    let counting = Memo::new(move |_| {
        visible.get() && state.with(|s| matches!(s, ConnectionState::Reconnecting { .. }))
    });
    let now = use_clock(counting, 250);

    let open = connection.open;
    // Plain values inside one closure: while shown, tachys rebuilds the same
    // elements in place, so the button is never detached under the pointer.
    // A reactive closure in here would be a new render effect per show, kept
    // until the banner unmounts.
    move || {
        if !visible.get() {
            return None;
        }
        let online = online.get();
        let (modifier, live, steady, action) = state.with(|s| {
            (
                state_modifier(s, online),
                labels.message(s, online, Some(now.get())),
                labels.message(s, online, None),
                labels.button(s),
            )
        });
        let (open, hidden) = (open.clone(), action.is_none());
        Some(view! {
            <div
                class=classes(format!("ls-reconnect-banner ls-reconnect-banner--{modifier}"), class.get())
                role="status"
                aria-live="polite"
            >
                <span class="ls-reconnect-banner__message" aria-hidden="true">{live}</span>
                <span class="ls-reconnect-banner__announce">{steady}</span>
                <button
                    type="button"
                    class="ls-reconnect-banner__retry"
                    hidden=hidden
                    on:click=move |_| open()
                >
                    {action.unwrap_or_default()}
                </button>
            </div>
        })
    }
}
