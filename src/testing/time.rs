//! Virtual time: one clock and one timer queue per thread, installed by a
//! [`MockSyncProvider`](super::MockSyncProvider) and advanced only by the test.
//!
//! Under the `testing` feature the driver's and the widgets' timers are the
//! [`Timeout`] and [`Interval`] below: while virtual time is installed they
//! wait in the queue, otherwise they are gloo's browser timers. Without the
//! feature the crate uses gloo's types directly (see `provider/clock.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use leptos_sync_core::Millis;

/// The most timers one [`advance`] fires before it reports a timer that keeps
/// re-arming itself at the same instant.
const MAX_FIRINGS: u32 = 100_000;

type Repeating = Rc<RefCell<Box<dyn FnMut()>>>;

enum Callback {
    Once(Box<dyn FnOnce()>),
    Repeat { period: Millis, callback: Repeating },
}

struct Entry {
    id: u64,
    at: Millis,
    callback: Callback,
}

#[derive(Default)]
struct Queue {
    /// Which installation this is, so that only its owner uninstalls it.
    owner: u64,
    now: Millis,
    next_id: u64,
    timers: Vec<Entry>,
}

thread_local! {
    static QUEUE: RefCell<Option<Queue>> = const { RefCell::new(None) };
    static INSTALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Starts virtual time at `start_ms`, dropping any timers of an earlier one.
/// Returns the token that [`uninstall`] takes.
pub(crate) fn install(start_ms: Millis) -> u64 {
    let owner = INSTALLS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let fresh = Queue {
        owner,
        now: start_ms,
        ..Queue::default()
    };
    // Swapped out first: dropping old callbacks may drop timers, which look at the queue.
    let old = QUEUE.with(|q| q.borrow_mut().replace(fresh));
    drop(old);
    owner
}

/// Back to the browser's clock and timers, unless a later [`install`] took
/// over; pending virtual timers are dropped.
pub(crate) fn uninstall(owner: u64) {
    let old = QUEUE
        .try_with(|q| {
            let mut q = q.try_borrow_mut().ok()?;
            if q.as_ref().is_some_and(|q| q.owner == owner) {
                q.take()
            } else {
                None
            }
        })
        .ok()
        .flatten();
    drop(old); // outside the borrow: dropping a callback may drop a timer
}

/// The virtual now, if virtual time is installed.
pub(crate) fn virtual_now() -> Option<Millis> {
    QUEUE.with(|q| q.borrow().as_ref().map(|q| q.now))
}

/// How many virtual timers are waiting.
pub(crate) fn pending_timers() -> usize {
    QUEUE.with(|q| q.borrow().as_ref().map_or(0, |q| q.timers.len()))
}

/// Queues `callback` (made a [`Callback`] by `wrap`) `delay` ms from now, or
/// gives it back when virtual time is not installed.
fn schedule<F>(delay: Millis, callback: F, wrap: impl FnOnce(F) -> Callback) -> Result<u64, F> {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let Some(q) = q.as_mut() else {
            return Err(callback);
        };
        q.next_id += 1;
        let id = q.next_id;
        let at = q.now.saturating_add(delay);
        q.timers.push(Entry {
            id,
            at,
            callback: wrap(callback),
        });
        Ok(id)
    })
}

fn cancel(id: u64) {
    // `try_`: a timer dropped while the queue itself is replaced or torn down
    // has nothing left to cancel.
    let removed = QUEUE
        .try_with(|q| {
            let mut q = q.try_borrow_mut().ok()?;
            let q = q.as_mut()?;
            let i = q.timers.iter().position(|e| e.id == id)?;
            Some(q.timers.remove(i))
        })
        .ok()
        .flatten();
    drop(removed); // outside the borrow: its callback may own other timers
}

/// Takes the earliest timer due at or before `until` (first scheduled first),
/// moving the clock to its time; a repeating one is put back for its next turn.
fn next_due(until: Millis) -> Option<Callback> {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let q = q.as_mut()?;
        let i = (0..q.timers.len())
            .filter(|&i| q.timers[i].at <= until)
            .min_by_key(|&i| (q.timers[i].at, q.timers[i].id))?;
        let entry = q.timers.remove(i);
        q.now = q.now.max(entry.at);
        match entry.callback {
            Callback::Once(f) => Some(Callback::Once(f)),
            Callback::Repeat { period, callback } => {
                q.timers.push(Entry {
                    id: entry.id,
                    at: entry.at.saturating_add(period.max(1)),
                    callback: Callback::Repeat {
                        period,
                        callback: Rc::clone(&callback),
                    },
                });
                Some(Callback::Repeat { period, callback })
            }
        }
    })
}

/// Moves virtual time forward by `ms`, firing every timer that falls due, in
/// order, each at its own instant. Between firings the page's tasks run (a
/// real zero-delay timeout), so effects that arm new timers take part.
///
/// # Panics
/// When virtual time is not installed, or a timer keeps re-arming itself at
/// the same instant.
pub(crate) async fn advance(ms: Millis) {
    let until = virtual_now()
        .expect("virtual time is not installed: advance() needs a mounted MockSyncProvider")
        .saturating_add(ms);
    yield_to_page().await;
    let mut fired = 0;
    while let Some(callback) = next_due(until) {
        match callback {
            Callback::Once(f) => f(),
            Callback::Repeat { callback, .. } => (callback.borrow_mut())(),
        }
        fired += 1;
        assert!(
            fired < MAX_FIRINGS,
            "virtual time: {MAX_FIRINGS} timers fired within {ms} ms; one keeps re-arming at once"
        );
        yield_to_page().await;
    }
    QUEUE.with(|q| {
        if let Some(q) = q.borrow_mut().as_mut() {
            q.now = q.now.max(until);
        }
    });
    yield_to_page().await;
}

/// Lets every queued task and effect of the page run: one real macrotask in
/// the browser (all microtasks run before it); nothing natively.
pub(crate) async fn yield_to_page() {
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Waits for the browser's next animation frame (the provider applies queued
/// data on it), or in a tab that draws no frames for the provider's real
/// 100 ms fallback and a little more; nothing natively.
pub(crate) async fn next_frame() {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let frame = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().map(|w| w.request_animation_frame(&resolve));
        });
        let fallback = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().map(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    resolve.unchecked_ref(),
                    150,
                )
            });
        });
        let race = js_sys::Promise::race(&js_sys::Array::of2(&frame, &fallback));
        let _ = wasm_bindgen_futures::JsFuture::from(race).await;
    }
}

/// A one-shot timer: virtual while virtual time is installed, else gloo's.
/// Dropping it cancels it.
#[must_use = "a timer is cancelled when dropped"]
pub(crate) enum Timeout {
    Browser(#[allow(dead_code)] gloo_timers::callback::Timeout),
    Virtual(u64),
}

impl Timeout {
    /// Calls `callback` once after `millis` ms.
    pub(crate) fn new(millis: u32, callback: impl FnOnce() + 'static) -> Self {
        let boxed: Box<dyn FnOnce()> = Box::new(callback);
        match schedule(Millis::from(millis), boxed, Callback::Once) {
            Ok(id) => Self::Virtual(id),
            Err(callback) => Self::Browser(gloo_timers::callback::Timeout::new(millis, callback)),
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Self::Virtual(id) = self {
            cancel(*id);
        }
    }
}

/// A repeating timer: virtual while virtual time is installed, else gloo's.
/// Dropping it cancels it.
#[must_use = "a timer is cancelled when dropped"]
pub(crate) enum Interval {
    Browser(#[allow(dead_code)] gloo_timers::callback::Interval),
    Virtual(u64),
}

impl Interval {
    /// Calls `callback` every `millis` ms.
    pub(crate) fn new(millis: u32, callback: impl FnMut() + 'static) -> Self {
        let period = Millis::from(millis);
        let wrap = |callback| Callback::Repeat {
            period,
            callback: Rc::new(RefCell::new(Box::new(callback) as Box<dyn FnMut()>)),
        };
        match schedule(period, callback, wrap) {
            Ok(id) => Self::Virtual(id),
            Err(callback) => Self::Browser(gloo_timers::callback::Interval::new(millis, callback)),
        }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Self::Virtual(id) = self {
            cancel(*id);
        }
    }
}
