//! The page as a user sees it: elements by selector, their text, attributes
//! and classes, clicks, and the browser's own events.

use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;

pub fn find(selector: &str) -> Option<web_sys::Element> {
    document().query_selector(selector).expect("valid selector")
}

pub fn text(selector: &str) -> Option<String> {
    find(selector).map(|e| e.text_content().unwrap_or_default())
}

pub fn attr(selector: &str, name: &str) -> Option<String> {
    find(selector).and_then(|e| e.get_attribute(name))
}

pub fn has_class(selector: &str, class: &str) -> bool {
    find(selector).is_some_and(|e| e.class_list().contains(class))
}

pub fn click(selector: &str) {
    find(selector)
        .unwrap_or_else(|| panic!("no {selector} to click"))
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

/// Dispatches a plain event on `window`, as the browser does for `online` and `offline`.
pub fn browser_event(name: &str) {
    let event = web_sys::Event::new(name).expect("event");
    window().dispatch_event(&event).expect("dispatch");
}
