//! The WebSocket URL, checked before leptos-use sees it.

use leptos::prelude::window;
use leptos_sync_core::SyncError;

/// Normalises and checks the URL the way the browser's WebSocket constructor
/// would, so a bad URL becomes a `SyncError` instead of a panic inside
/// `use_websocket`.
pub(crate) fn validate_url(url: &str) -> Result<String, SyncError> {
    let invalid = |message: &str| SyncError::InvalidUrl {
        url: url.to_string(),
        message: message.to_string(),
    };
    if url.trim().is_empty() {
        return Err(invalid("the URL is empty"));
    }
    let base = window().location().href().unwrap_or_default();
    let parsed = web_sys::Url::new_with_base(url, &base).map_err(|_| invalid("not a valid URL"))?;
    match parsed.protocol().as_str() {
        "ws:" | "wss:" => {}
        "http:" => parsed.set_protocol("ws:"),
        "https:" => parsed.set_protocol("wss:"),
        other => {
            return Err(invalid(&format!(
                "scheme {other:?} is not ws, wss, http or https"
            )));
        }
    }
    if !parsed.hash().is_empty() {
        return Err(invalid("a WebSocket URL cannot have a #fragment"));
    }
    Ok(parsed.href())
}
