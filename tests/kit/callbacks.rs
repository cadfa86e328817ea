//! `SyncOptions::on_connecting` and `on_reconnected`: called with the retry
//! number and the retries it took, beside `on_event`.

use std::sync::{Arc, Mutex};

use leptos_sync::Lifecycle;

use super::*;

#[wasm_bindgen_test]
async fn on_connecting_and_on_reconnected_count_the_retries() {
    let connecting = Arc::new(Mutex::new(Vec::new()));
    let reconnected = Arc::new(Mutex::new(Vec::new()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let (c, r, e) = (connecting.clone(), reconnected.clone(), events.clone());
    let options = every(100)
        .on_connecting(move |attempt| c.lock().unwrap().push(attempt))
        .on_reconnected(move |attempts| r.lock().unwrap().push(attempts))
        .on_event(move |event| e.lock().unwrap().push(event.clone()));
    let server = MockServer::default();
    let m = mount_mock(server.clone(), options, SyncRegistry::new(), || ()).await;
    assert_eq!(*connecting.lock().unwrap(), [0]);
    assert!(
        reconnected.lock().unwrap().is_empty(),
        "a first connect is no reconnect"
    );

    // Down for two retries, back on the third.
    server.set_accept_sockets(false);
    server.close(1006, "");
    server.advance(100).await;
    server.advance(100).await;
    server.set_accept_sockets(true);
    server.advance(100).await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert_eq!(*connecting.lock().unwrap(), [0, 1, 2, 3]);
    assert_eq!(*reconnected.lock().unwrap(), [3]);

    // `open()` after a close: a first try again, which reconnects at once.
    (m.ctx.connection.close)();
    server.settle().await;
    (m.ctx.connection.open)();
    server.settle().await;
    assert_eq!(*connecting.lock().unwrap(), [0, 1, 2, 3, 0]);
    assert_eq!(*reconnected.lock().unwrap(), [3, 0]);

    // on_event still sees every event.
    let seen = events.lock().unwrap();
    let connects = seen
        .iter()
        .filter(|e| matches!(e, Lifecycle::Connecting { .. }))
        .count();
    assert_eq!(connects, 5);
    assert!(seen.contains(&Lifecycle::Reconnected { attempts: 3 }));
}
