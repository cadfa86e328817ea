//! The task list on the test kit: no server, no socket, no waiting.
#![cfg(target_arch = "wasm32")]

use leptos_sync::SyncRegistry;
use leptos_sync::testing::{MockMountOptions, MockServer};
use leptos_sync_example_testing::{Task, TaskList};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlInputElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn spinner_then_entries_then_a_rejected_add_rolls_back() {
    let server = MockServer::default();
    let options = MockMountOptions::default().registry(SyncRegistry::new().register::<Task>());
    let app = server.mount_with_options(TaskList, options).await;
    assert_eq!(
        app.texts(".spinner"),
        ["Loading…"],
        "a spinner while Pending"
    );

    server.snapshot("Task", [("Write tests", Task::new("Write tests"))]);
    server.settle().await;
    assert_eq!(app.texts(".spinner, li"), ["Write tests"]);

    let input: HtmlInputElement = app.find("input").unwrap().unchecked_into();
    input.set_value("Ship it");
    app.click("button");
    server.settle().await;
    assert_eq!(app.texts("li"), ["Ship it", "Write tests"], "shown at once");

    server.reject(&server.mutations()[0].id, "rejected", "read-only today");
    server.settle().await;
    assert_eq!(app.texts("li"), ["Write tests"], "rolled back");
}
