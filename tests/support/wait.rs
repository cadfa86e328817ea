//! Waiting for conditions, always with a deadline: a test never sleeps for a
//! guessed time and hopes, and a condition that never holds fails the test
//! with what it was waiting for instead of hanging the suite.

use gloo_timers::future::TimeoutFuture;

/// Wall-clock milliseconds (`Date.now()`), the clock the library's `next_at` uses.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Polls `condition` every `every_ms` until it holds (`true`) or `timeout_ms` passes (`false`).
pub async fn poll(every_ms: u32, timeout_ms: u32, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = now() + f64::from(timeout_ms);
    loop {
        if condition() {
            return true;
        }
        if now() >= deadline {
            return false;
        }
        TimeoutFuture::new(every_ms).await;
    }
}

/// Whether `condition` holds within `timeout_ms`, polled every 5 ms: for a
/// caller that reports a miss itself (the chaos suite counts them).
pub async fn wait_for(timeout_ms: u32, condition: impl FnMut() -> bool) -> bool {
    poll(5, timeout_ms, condition).await
}

/// Waits until `condition` holds; fails the test, naming `what`, after `timeout_ms`.
pub async fn wait_until(what: &str, timeout_ms: u32, condition: impl FnMut() -> bool) {
    assert!(
        wait_for(timeout_ms, condition).await,
        "timed out after {timeout_ms} ms waiting for: {what}"
    );
}

/// Like [`wait_until`] for a condition that asks the server (polled every 25 ms).
pub async fn wait_for_server<F, Fut>(what: &str, timeout_ms: u32, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = now() + f64::from(timeout_ms);
    while !condition().await {
        assert!(
            now() < deadline,
            "timed out after {timeout_ms} ms waiting for: {what}"
        );
        TimeoutFuture::new(25).await;
    }
}

/// Runs `check`, which asserts, every 10 ms for the next `ms`: for what must
/// *not* happen, such as a retry after an auth rejection.
pub async fn throughout(ms: u32, mut check: impl FnMut()) {
    let until = now() + f64::from(ms);
    while now() < until {
        check();
        TimeoutFuture::new(10).await;
    }
}
