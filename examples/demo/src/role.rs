//! Who the page is to the server. By default an editor (no token). With
//! `?as=observer` it connects with the token "observer", which the reference
//! server's rules let read everything and change nothing: every change the
//! board makes is then refused with `forbidden`, and the board says why.

use leptos::prelude::*;

/// The token of a read-only client under the reference server's rules.
pub const OBSERVER_TOKEN: &str = "observer";

/// Whether the page was opened as an observer (`?as=observer`).
pub fn is_observer() -> bool {
    window().location().search().is_ok_and(|query| {
        query
            .trim_start_matches('?')
            .split('&')
            .any(|p| p == "as=observer")
    })
}

/// A link that reloads the page in the other role; the page reconnects with
/// that role's token.
#[component]
pub fn RoleSwitch() -> impl IntoView {
    let observer = is_observer();
    let (href, text) = if observer {
        ("?", "Back to editing")
    } else {
        ("?as=observer", "View as observer (read-only)")
    };
    view! {
        <a
            id="role-switch"
            class="topbar__role"
            href=href
            data-role=if observer { "observer" } else { "editor" }
            title="Reconnects with the other role's token; the server decides what it may do"
        >
            {text}
        </a>
    }
}
