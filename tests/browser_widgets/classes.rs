//! The `class` prop of every widget is reactive: a signal updates the root's
//! classes in place, next to the widget's own.

use super::*;

#[wasm_bindgen_test]
async fn a_class_signal_updates_every_widget_in_place() {
    let client = "w-classes";
    let class = RwSignal::new("t-cls-a".to_string());
    let m = mount_widgets(client, fixed(5_000), move || {
        view! {
            <ConnectionIndicator class=class/>
            <StatusBar class=class/>
            <ErrorBanner class=class/>
            <ReconnectBanner class=class grace_ms=0/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    // Show both banners: an error, then a drop with 5 s until the retry.
    send_error(client, "boom", "kaboom").await;
    wait_until("error banner", 2_000, || find(".ls-error-banner").is_some()).await;
    control(&format!("drop?client={client}")).await;
    wait_until("reconnect banner", 2_000, || {
        find(".ls-reconnect-banner").is_some()
    })
    .await;
    let roots = [
        ".ls-indicator",
        ".ls-status-bar",
        ".ls-error-banner",
        ".ls-reconnect-banner",
    ];
    for root in roots {
        assert!(has_class(root, "t-cls-a"), "{root} has the first class");
    }
    let indicator = find(".ls-indicator").expect("indicator");

    class.set("t-cls-b t-cls-c".to_string());
    wait_until("every root has the new classes", 1_000, || {
        roots
            .iter()
            .all(|root| has_class(root, "t-cls-b") && has_class(root, "t-cls-c"))
    })
    .await;
    for root in roots {
        assert!(!has_class(root, "t-cls-a"), "{root} kept the old class");
    }
    // The widgets' own classes stay, and the element is the same one.
    assert!(has_class(".ls-indicator", "ls-indicator--reconnecting"));
    assert!(has_class(
        ".ls-reconnect-banner",
        "ls-reconnect-banner--reconnecting"
    ));
    assert!(find(".ls-indicator").is_some_and(|now| now == indicator));

    class.set(String::new());
    wait_until("the extra classes are gone", 1_000, || {
        roots.iter().all(|root| !has_class(root, "t-cls-b"))
    })
    .await;
    assert_eq!(
        attr(".ls-status-bar", "class").as_deref(),
        Some("ls-status-bar ls-status-bar--reconnecting")
    );
}
