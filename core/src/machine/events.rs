//! Server events: counted, and passed on when the app handles their name.

use serde_json::Value;

use super::{Command, Machine};

impl Machine {
    /// Routes an `event` frame. An unknown name is no error (a newer server
    /// may send events an older app does not know): it is only counted.
    pub(super) fn server_event(&mut self, topic: Option<String>, name: String, payload: Value) {
        self.metrics.events_received += 1;
        if self
            .opts
            .events
            .as_ref()
            .is_some_and(|known| !known.contains(&name))
        {
            self.metrics.events_ignored += 1;
            return;
        }
        self.out.push_back(Command::ServerEvent {
            topic,
            name,
            payload,
        });
    }
}
