//! Drop-in widgets that show what the connection is really doing, one file
//! and one CSS file each. They are exported at the crate root; the shared
//! stylesheet, its injection and the helpers below are theirs alone.

mod connection_indicator;
mod error_banner;
mod reconnect_banner;
mod status_bar;

pub use connection_indicator::{ConnectionIndicator, ConnectionIndicatorProps, StateLabels};
pub use error_banner::{ErrorBanner, ErrorBannerLabels, ErrorBannerProps};
pub use reconnect_banner::{ReconnectBanner, ReconnectBannerLabels, ReconnectBannerProps};
pub use status_bar::{StatusBar, StatusBarLabels, StatusBarProps};

use leptos::prelude::*;

use crate::provider::{Interval, Timeout, now_ms};

/// The default stylesheet of all widgets ([`ConnectionIndicator`],
/// [`ErrorBanner`], [`ReconnectBanner`], [`StatusBar`]).
///
/// The first widget to mount puts it into `document.head` once per document,
/// as `<style id="leptos-sync-widgets">` ([`WIDGET_STYLE_ID`]), before any
/// other style so that the app's own rules win. No CSS framework is needed.
/// Under the `ssr` feature nothing is injected (the client does it when it
/// starts); inline this in your page's head to style server-rendered HTML
/// before then.
///
/// Every widget takes the same two kinds of override:
/// - `class`: extra classes on the widget's root element, reactive (a string,
///   or a signal of one);
/// - `labels`: a plain struct of texts ([`StateLabels`], [`ErrorBannerLabels`],
///   [`StatusBarLabels`], [`ReconnectBannerLabels`]) with English defaults;
///   override some with struct update syntax. Placeholders in braces
///   (`{attempt}`, `{reason}`, `{seconds}`) are filled in.
///
/// Classes are BEM-like (`ls-indicator ls-indicator--open`). Themable
/// variables (with their defaults): `--ls-color-open` (#16a34a),
/// `--ls-color-connecting` (#f59e0b), `--ls-color-reconnecting` (#f97316),
/// `--ls-color-failed` (#dc2626), `--ls-color-offline` (#6b7280),
/// `--ls-color-idle` (#9ca3af), `--ls-color-closed` (#9ca3af),
/// `--ls-indicator-size` (0.625rem), `--ls-banner-bg`, `--ls-banner-fg`,
/// `--ls-error-bg`, `--ls-error-fg`, `--ls-error-border`,
/// `--ls-status-bar-bg`, `--ls-status-bar-fg`, `--ls-font-size`,
/// `--ls-radius`, `--ls-button-bg`, `--ls-button-fg`.
///
/// ## Usage
///
/// The widgets, anywhere under a `<SyncProvider>`:
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar};
/// use leptos_sync::{SyncProvider, SyncRegistry};
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! {
///         <SyncProvider url="/ws" registry=SyncRegistry::new()>
///             <header><ConnectionIndicator show_text=true/></header>
///             <ReconnectBanner/>
///             <ErrorBanner auto_hide_ms=8_000/>
///             <footer><StatusBar compact=true/></footer>
///         </SyncProvider>
///     }
/// }
/// ```
///
/// A server-rendered page can inline the stylesheet, so that widgets are
/// styled before the client starts (the client then finds it by its id and
/// adds nothing):
///
/// ```
/// use leptos_sync::{WIDGET_STYLE_ID, WIDGET_STYLES};
///
/// let head = format!(r#"<style id="{WIDGET_STYLE_ID}">{WIDGET_STYLES}</style>"#);
/// assert!(head.contains(".ls-indicator"));
/// ```
pub const WIDGET_STYLES: &str = concat!(
    include_str!("connection_indicator.css"),
    include_str!("error_banner.css"),
    include_str!("status_bar.css"),
    include_str!("reconnect_banner.css"),
);

/// The id of the `<style>` element that holds [`WIDGET_STYLES`].
///
/// ## Usage
///
/// ```
/// assert_eq!(leptos_sync::WIDGET_STYLE_ID, "leptos-sync-widgets");
/// ```
pub const WIDGET_STYLE_ID: &str = "leptos-sync-widgets";

/// Puts [`WIDGET_STYLES`] into `document.head` unless an element with [`WIDGET_STYLE_ID`]
/// is already there. Does nothing on the server or off the browser.
pub(crate) fn inject_styles() {
    #[cfg(all(target_arch = "wasm32", not(feature = "ssr")))]
    {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if document.get_element_by_id(WIDGET_STYLE_ID).is_some() {
            return;
        }
        let (Some(head), Ok(style)) = (document.head(), document.create_element("style")) else {
            return;
        };
        style.set_id(WIDGET_STYLE_ID);
        style.set_text_content(Some(WIDGET_STYLES));
        // First in the head: the app's own rules of equal specificity win.
        let _ = head.insert_before(&style, head.first_child().as_ref());
    }
}

/// The provider's clock ([`now_ms`], the time base of `Reconnecting::next_at`
/// and `connected_since`), ticking every `period_ms` while `active` holds and
/// standing still otherwise. The timer is dropped (cancelled) when the widget
/// unmounts. Effects do not run on the server, so no timer is made there.
pub(crate) fn use_clock(active: Memo<bool>, period_ms: u32) -> ReadSignal<u64> {
    let now = RwSignal::new(now_ms());
    let ticker = StoredValue::new_local(None::<Interval>);
    Effect::new(move |_| {
        let interval = active.get().then(|| {
            now.set(now_ms());
            Interval::new(period_ms, move || now.set(now_ms()))
        });
        ticker.set_value(interval);
    });
    on_cleanup(move || {
        ticker.try_update_value(|t| *t = None);
    });
    now.read_only()
}

/// A one-shot timer slot: setting a new timeout cancels the previous one, and
/// unmounting cancels whatever is pending.
pub(crate) fn use_timeout_slot() -> StoredValue<Option<Timeout>, LocalStorage> {
    let slot = StoredValue::new_local(None);
    on_cleanup(move || {
        slot.try_update_value(|t| *t = None);
    });
    slot
}

/// `base` plus the caller's extra classes (the current value of a widget's `class` prop).
pub(crate) fn classes(base: String, extra: Option<String>) -> String {
    match extra.as_deref().map(str::trim) {
        Some(extra) if !extra.is_empty() => format!("{base} {extra}"),
        _ => base,
    }
}

/// Fills `{name}` placeholders in one pass over the template, so a value
/// (server text, say) is never scanned for placeholders itself.
/// A goodbye's text: `template` with `{reason}` filled with the server's
/// close reason, or its close code when it gave none.
pub(crate) fn goodbye(template: &str, code: u16, reason: &str) -> String {
    let code = code.to_string();
    let detail = if reason.is_empty() { &code } else { reason };
    fill(template, &[("reason", detail)])
}

pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = values
            .iter()
            .find(|(name, _)| after.starts_with(name) && after[name.len()..].starts_with('}'));
        match hit {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fills_placeholders_once() {
        assert_eq!(
            fill(
                "in {seconds} s (attempt {attempt})",
                &[("seconds", "3"), ("attempt", "2")]
            ),
            "in 3 s (attempt 2)"
        );
        assert_eq!(
            fill("failed: {reason}", &[("reason", "{reason} {x")]),
            "failed: {reason} {x"
        );
        assert_eq!(fill("{unknown} {", &[("reason", "r")]), "{unknown} {");
    }
}
