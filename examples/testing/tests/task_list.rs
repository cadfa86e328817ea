//! The task list on the test kit: no server, no socket, no waiting.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos_sync::SyncRegistry;
use leptos_sync::testing::{MockMountOptions, MockServer};
use leptos_sync_example_testing::{Task, TaskList};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn spinner_then_entries_then_a_rejected_add_rolls_back() {
    let server = MockServer::default();
    let registry = SyncRegistry::new().register::<Task>();
    let options = MockMountOptions::default().registry(registry);
    let app = server
        .mount_with_options(|| view! { <TaskList/> }, options)
        .await;
    assert!(app.text().contains("Loading…"), "a spinner while Pending");

    server.snapshot("Task", [("Write tests", Task::new("Write tests"))]);
    server.settle().await;
    assert_eq!(app.text(), "Write testsAdd");

    let input = app.find("input").unwrap();
    input
        .unchecked_into::<web_sys::HtmlInputElement>()
        .set_value("Ship it");
    app.click("button");
    server.settle().await;
    assert!(app.text().contains("Ship it"), "shown at once");

    server.reject(&server.mutations()[0].id, "rejected", "read-only today");
    server.settle().await;
    assert_eq!(app.text(), "Write testsAdd", "rolled back");
}
