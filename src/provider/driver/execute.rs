//! Carrying out the core's commands, and applying data once per frame.

use leptos::prelude::*;

use super::{Driver, FLUSH_FALLBACK_MS};
use leptos_sync_core::SyncError;
use leptos_sync_core::machine::{Command, Event};
use leptos_sync_core::state::Lifecycle;
use leptos_sync_core::subscriptions::DataEvent;

impl Driver {
    pub(super) fn execute(self, command: Command) {
        match command {
            // leptos-use's `open()` closes the previous socket and drops its
            // handlers (its close event never comes back); the core asks for
            // one only once the last one's close event came or its wait ran out.
            Command::Connect => {
                if let Some(socket) = self.socket() {
                    (socket.open)();
                }
            }
            // `close()` keeps the socket's handlers: its close event comes back
            // as `SocketClosed`, and until then the socket still counts.
            Command::CloseSocket { .. } => {
                if let Some(socket) = self.socket() {
                    (socket.close)();
                }
            }
            Command::Send(msg) => {
                if let Some(socket) = self.socket() {
                    (socket.send)(&msg.encode());
                }
            }
            Command::FetchToken => {
                let token = self.inner.with_value(|inner| (inner.token)());
                leptos::task::spawn_local(async move {
                    self.dispatch(Event::Token(token.await));
                });
            }
            Command::Error(error) => {
                log::warn!("leptos-sync: {error}");
                if let SyncError::RateLimited { id, .. } = &error {
                    let shown = error.clone();
                    self.mutations.update_value(|m| m.set_error(id, shown));
                }
                self.outputs.last_error.set(Some(error.clone()));
                self.observe(Lifecycle::Error(error));
            }
            Command::Lifecycle(event) => {
                log::info!("leptos-sync: {event:?}");
                self.observe(event);
            }
            Command::Data(DataEvent::Ended { topic }) => {
                // At once, so a component mounting right after gets a fresh store.
                self.flush_data();
                self.stores.update_value(|stores| stores.end(&topic));
            }
            Command::Data(event) => {
                // A status change (Live after a replay, Stale, Error) is rare and
                // worth showing at once; bursts of updates wait for the next frame.
                let urgent = matches!(event, DataEvent::State { .. });
                let schedule = self.inner.try_update_value(|inner| {
                    inner.pending_data.push(event);
                    inner.flush_scheduled.is_none()
                });
                if urgent {
                    self.flush_data();
                } else if schedule == Some(true) {
                    self.schedule_flush();
                }
            }
            Command::Mutation { id, status } => {
                self.mutations.update_value(|m| m.set_status(&id, status));
            }
            Command::ServerEvent {
                topic,
                name,
                payload,
            } => self.server_event(topic, name, payload),
            Command::Request { id, status } => self.request_status(id, status),
        }
    }

    /// Coalesces a burst of data into one signal update per topic per
    /// animation frame; the timeout keeps data flowing in background tabs,
    /// where animation frames stop.
    fn schedule_flush(self) {
        let frame = request_animation_frame_with_handle(move || self.flush_data()).ok();
        let fallback =
            gloo_timers::callback::Timeout::new(FLUSH_FALLBACK_MS, move || self.flush_data());
        self.inner
            .update_value(|inner| inner.flush_scheduled = Some((frame, fallback)));
    }

    pub(super) fn flush_data(self) {
        let Some((events, scheduled)) = self.inner.try_update_value(|inner| {
            (
                std::mem::take(&mut inner.pending_data),
                inner.flush_scheduled.take(),
            )
        }) else {
            return;
        };
        // Whichever fired first cancels the other (dropping the timeout clears it).
        if let Some((Some(frame), _fallback)) = scheduled {
            frame.cancel();
        }
        if events.is_empty() {
            return;
        }
        let mut errors = Vec::new();
        self.stores
            .with_value(|stores| stores.apply_all(events, &mut errors));
        // Every error of the stores is a value that did not decode.
        if !errors.is_empty() {
            let values = errors.len() as u64;
            self.run(|machine| machine.count_undecodable(values));
        }
        for error in errors {
            self.execute(Command::Error(error));
        }
    }
}
