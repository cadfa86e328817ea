//! `<ErrorBanner/>`: the last error, as text, with a dismiss button.

use leptos::prelude::*;

use super::{classes, goodbye, inject_styles, use_timeout_slot};
use crate::hooks::use_sync_context;
use crate::provider::Timeout;
use leptos_sync_core::{DisconnectReason, SyncError};

/// Texts of [`ErrorBanner`].
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{ErrorBanner, ErrorBannerLabels};
///
/// #[component]
/// fn Errors() -> impl IntoView {
///     let labels = ErrorBannerLabels { dismiss: "Schließen".into(), ..Default::default() };
///     view! { <ErrorBanner labels=labels/> }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBannerLabels {
    /// Accessible name and tooltip of the dismiss button. Default "Dismiss".
    pub dismiss: String,
    /// Visible content of the dismiss button. Default "×".
    pub dismiss_symbol: String,
    /// A server's goodbye close (4500–4599, reported as
    /// [`SyncError::Closed`]), after which nothing retries until `open()`.
    /// `{reason}` is the server's reason, or the close code when it gave
    /// none. Default "The server ended the session ({reason})".
    pub goodbye: String,
}

impl ErrorBannerLabels {
    /// The banner's text for `error`: a goodbye's label, else the error's `Display`.
    ///
    /// ```
    /// use leptos_sync::{ErrorBannerLabels, SyncError};
    ///
    /// let labels = ErrorBannerLabels::default();
    /// let goodbye = SyncError::Closed { code: 4500, reason: "account deleted".into() };
    /// assert_eq!(labels.message(&goodbye), "The server ended the session (account deleted)");
    /// let restart = SyncError::Closed { code: 1012, reason: String::new() };
    /// assert_eq!(labels.message(&restart), "connection closed (1012)");
    /// ```
    pub fn message(&self, error: &SyncError) -> String {
        match error {
            SyncError::Closed { code, reason }
                if DisconnectReason::from_close(*code, reason)
                    == DisconnectReason::ServerSaidGoodbye =>
            {
                goodbye(&self.goodbye, *code, reason)
            }
            other => other.to_string(),
        }
    }
}

impl Default for ErrorBannerLabels {
    fn default() -> Self {
        Self {
            dismiss: "Dismiss".into(),
            dismiss_symbol: "×".into(),
            goodbye: "The server ended the session ({reason})".into(),
        }
    }
}

/// Shows [`SyncContext::last_error`](crate::SyncContext::last_error) until it
/// is dismissed, and nothing while there is no error.
///
/// The message is always inserted as text, never as HTML: server-supplied
/// text such as `<img src=x onerror=…>` shows up literally. The root is
/// `<div class="ls-error-banner" role="alert">` with a
/// `ls-error-banner__message` and a `ls-error-banner__dismiss` button that
/// calls `clear_error`. With `auto_hide_ms`, the error is cleared after that
/// long; every new error restarts the timer, and unmounting cancels it.
///
/// Colours: `--ls-error-bg`, `--ls-error-fg`, `--ls-error-border`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::ErrorBanner;
///
/// #[component]
/// fn Page() -> impl IntoView {
///     // Inside a <SyncProvider>.
///     view! { <ErrorBanner auto_hide_ms=10_000 class="page-errors"/> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`.
#[component]
pub fn ErrorBanner(
    /// Extra classes for the root element; a signal updates them in place.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Texts of the banner.
    #[prop(optional)]
    labels: ErrorBannerLabels,
    /// Clear the error after this many milliseconds (restarted per error).
    #[prop(optional)]
    auto_hide_ms: Option<u32>,
) -> impl IntoView {
    inject_styles();
    let ctx = use_sync_context();
    let last_error = ctx.last_error;

    if let Some(ms) = auto_hide_ms {
        let timer = use_timeout_slot();
        let clear = ctx.clear_error.clone();
        // Reruns on every `set`, so each new error gets its full time.
        Effect::new(move |_| {
            let clear = clear.clone();
            let pending = last_error
                .with(Option::is_some)
                .then(|| Timeout::new(ms, move || clear()));
            timer.set_value(pending);
        });
    }

    let clear = ctx.clear_error;
    // Plain values inside one closure, rebuilt in place, as in ReconnectBanner.
    move || {
        let error = last_error.get()?;
        let clear = clear.clone();
        Some(view! {
            <div class=classes("ls-error-banner".into(), class.get()) role="alert">
                <span class="ls-error-banner__message">{labels.message(&error)}</span>
                <button
                    type="button"
                    class="ls-error-banner__dismiss"
                    aria-label=labels.dismiss.clone()
                    title=labels.dismiss.clone()
                    on:click=move |_| clear()
                >
                    {labels.dismiss_symbol.clone()}
                </button>
            </div>
        })
    }
}
