//! `<StatusBar/>`: the state in words, plus the connection's numbers.

use leptos::prelude::*;

use super::connection_indicator::state_modifier;
use super::{StateLabels, classes, inject_styles, use_clock};
use crate::hooks::use_sync_connection;

/// Texts of [`StatusBar`].
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{StateLabels, StatusBar, StatusBarLabels};
///
/// #[component]
/// fn Footer() -> impl IntoView {
///     let labels = StatusBarLabels {
///         state: StateLabels { open: "Online".into(), ..Default::default() },
///         queued: "Pending".into(),
///         ..Default::default()
///     };
///     view! { <StatusBar labels=labels/> }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBarLabels {
    /// Texts for the state.
    pub state: StateLabels,
    /// Caption of the reconnect count. Default "Reconnects".
    pub reconnects: String,
    /// Caption of the queued mutations. Default "Queued".
    pub queued: String,
    /// Caption of the round-trip time. Default "RTT".
    pub rtt: String,
    /// Caption of the live connection duration. Default "Connected for".
    pub connected_for: String,
    /// Shown for a value not known yet (no ping answered). Default "–".
    pub unknown: String,
}

impl Default for StatusBarLabels {
    fn default() -> Self {
        Self {
            state: StateLabels::default(),
            reconnects: "Reconnects".into(),
            queued: "Queued".into(),
            rtt: "RTT".into(),
            connected_for: "Connected for".into(),
            unknown: "–".into(),
        }
    }
}

/// A duration in words: "42 s", "3 min 05 s", "2 h 07 min".
fn format_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// One captioned value. The caption stays in the DOM in compact mode (for
/// screen readers) and is hidden visually by the stylesheet.
fn item(name: &'static str, caption: String, value: impl IntoView + 'static) -> impl IntoView {
    let title = caption.clone();
    view! {
        <span class=format!("ls-status-bar__item ls-status-bar__item--{name}") title=title>
            <span class="ls-status-bar__label">{caption}</span>
            " "
            <span class="ls-status-bar__value">{value}</span>
        </span>
    }
}

/// A line with the state in words and the connection's numbers: reconnects,
/// queued mutations, round-trip time, and how long it has been connected
/// (live, ticking each second while open).
///
/// Renders `<div class="ls-status-bar ls-status-bar--{state}">` with a
/// `ls-status-bar__state` and `ls-status-bar__item--{reconnects, queued, rtt,
/// connected-for}` items, each a `ls-status-bar__label` and a
/// `ls-status-bar__value`. `compact` adds `ls-status-bar--compact`, which
/// hides the captions visually (they stay for screen readers and as
/// tooltips). The state modifiers are those of
/// [`ConnectionIndicator`](crate::ConnectionIndicator).
///
/// Colours: `--ls-status-bar-bg`, `--ls-status-bar-fg`, `--ls-color-<state>`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::StatusBar;
///
/// #[component]
/// fn Footer() -> impl IntoView {
///     // Inside a <SyncProvider>.
///     view! { <footer><StatusBar compact=true/></footer> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`.
#[component]
pub fn StatusBar(
    /// Extra classes for the root element; a signal updates them in place.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Texts of the bar.
    #[prop(optional)]
    labels: StatusBarLabels,
    /// Values only, captions hidden visually.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    inject_styles();
    let connection = use_sync_connection();
    let (state, metrics, online) = (connection.state, connection.metrics, connection.online);
    let since = Memo::new(move |_| {
        metrics
            .with(|m| m.connected_since)
            .filter(|_| state.with(|s| s.is_open()))
    });
    let now = use_clock(Memo::new(move |_| since.get().is_some()), 1_000);

    let root = Signal::derive(move || {
        let modifier = state.with(|s| state_modifier(s, online.get()));
        let compact = if compact {
            " ls-status-bar--compact"
        } else {
            ""
        };
        classes(
            format!("ls-status-bar ls-status-bar--{modifier}{compact}"),
            class.get(),
        )
    });
    let StatusBarLabels {
        state: state_labels,
        reconnects,
        queued,
        rtt,
        connected_for,
        unknown,
    } = labels;
    let state_text = Signal::derive(move || state.with(|s| state_labels.text(s, online.get())));
    // The live values share one type, `Signal<String>`, so `item`'s view code
    // exists once for them rather than once per closure (1.3 KiB gz).
    let reconnects_text = Signal::derive(move || metrics.with(|m| m.reconnects).to_string());
    let queued_text = Signal::derive(move || metrics.with(|m| m.queued).to_string());
    let rtt_text = Signal::derive(move || {
        metrics
            .with(|m| m.rtt_ms)
            .map_or_else(|| unknown.clone(), |ms| format!("{ms} ms"))
    });
    // Plain text inside, rebuilt in place each tick: a reactive closure in here
    // would be a new render effect per reconnect, kept until the bar unmounts.
    let connected = move || {
        since.get().map(|since| {
            let value = format_duration(now.get().saturating_sub(since));
            item("connected-for", connected_for.clone(), value)
        })
    };
    view! {
        <div class=root>
            <span class="ls-status-bar__state">{state_text}</span>
            {item("reconnects", reconnects, reconnects_text)}
            {item("queued", queued, queued_text)}
            {item("rtt", rtt, rtt_text)}
            {connected}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(999), "0 s");
        assert_eq!(format_duration(42_000), "42 s");
        assert_eq!(format_duration(185_000), "3 min 05 s");
        assert_eq!(format_duration(7_620_000), "2 h 07 min");
    }
}
