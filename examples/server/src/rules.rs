//! The rules of the reference server, written as an application would write
//! them with the server's hooks. The demo and the tests rely on them:
//!
//! - token [`OBSERVER`] may read anything it may subscribe to, and change nothing;
//! - topics starting with [`PRIVATE`] are for token [`OWNER`] only;
//! - a `Task` (the demo board's type) needs a non-blank title, on every
//!   board: the rule matches the topic's name, so `Task:<board>` too.
//!
//! Every other token (or none) is an ordinary editor, so clients that know
//! nothing of these rules work as before.

use leptos_sync_server::{Action, Mutation, Principal, Reject};
use serde_json::Value;

/// The token of a read-only client: its mutations are `forbidden`.
pub const OBSERVER: &str = "observer";
/// The token that may use [`PRIVATE`] topics.
pub const OWNER: &str = "owner";
/// Topics whose names start with this are forbidden to everyone but [`OWNER`].
pub const PRIVATE: &str = "private";
/// Why an observer's mutation is denied.
pub const READ_ONLY: &str = "observers may not change anything";
/// Why a subscription to a private topic is denied.
pub const PRIVATE_TOPIC: &str = "this topic is private";
/// Why a task without a title is rejected.
pub const NO_TITLE: &str = "a task needs a title";

/// `authenticate`: who the token says the client is. Never refuses: the
/// `--token` check (when set) runs before it.
pub async fn authenticate(token: Option<String>) -> Result<Principal, Reject> {
    Ok(match token.as_deref() {
        Some(OBSERVER) => Principal::new(OBSERVER),
        Some(OWNER) => Principal::new(OWNER),
        _ => Principal::new("editor"),
    })
}

/// `authorize`: observers only read; private topics are the owner's.
pub fn authorize(who: &Principal, action: &Action<'_>) -> Result<(), String> {
    // The whole topic: a parameter cannot unlock a private name.
    if action.topic().starts_with(PRIVATE) && who.id != OWNER {
        return Err(PRIVATE_TOPIC.into());
    }
    if matches!(action, Action::Mutate { .. }) && who.id == OBSERVER {
        return Err(READ_ONLY.into());
    }
    Ok(())
}

/// `validate`: a task (topic "Task", or "Task:<board>") whose title is
/// missing or blank is rejected; removals (null) and other topics pass unchanged.
pub fn validate(_who: &Principal, mutation: &Mutation<'_>, value: Value) -> Result<Value, String> {
    if mutation.base() == "Task" && !value.is_null() {
        let title = value.get("title").and_then(Value::as_str).unwrap_or("");
        if title.trim().is_empty() {
            return Err(NO_TITLE.into());
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn who(token: Option<&str>) -> Principal {
        let token = token.map(str::to_owned);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(authenticate(token))
            .unwrap()
    }

    #[test]
    fn observers_read_but_do_not_write() {
        let observer = who(Some(OBSERVER));
        let value = json!({ "title": "x" });
        let mutate = Action::Mutate {
            topic: "Task",
            key: "k",
            value: &value,
        };
        assert_eq!(authorize(&observer, &mutate), Err(READ_ONLY.into()));
        assert_eq!(
            authorize(&observer, &Action::Subscribe { topic: "Task" }),
            Ok(())
        );
        assert_eq!(authorize(&who(Some("any")), &mutate), Ok(()));
        assert_eq!(authorize(&who(None), &mutate), Ok(()));
    }

    #[test]
    fn private_topics_are_the_owners() {
        let sub = Action::Subscribe {
            topic: "private-notes",
        };
        for token in [None, Some("any"), Some(OBSERVER)] {
            assert_eq!(
                authorize(&who(token), &sub),
                Err(PRIVATE_TOPIC.into()),
                "{token:?}"
            );
        }
        assert_eq!(authorize(&who(Some(OWNER)), &sub), Ok(()));
    }

    #[test]
    fn a_task_needs_a_title() {
        let editor = who(None);
        let task = Mutation {
            id: "m1",
            topic: "Task",
            key: "k",
        };
        for bad in [json!({ "title": "  " }), json!({ "done": true }), json!(3)] {
            assert_eq!(validate(&editor, &task, bad), Err(NO_TITLE.into()));
        }
        let good = json!({ "title": "Ship it", "done": false });
        assert_eq!(validate(&editor, &task, good.clone()), Ok(good));
        assert_eq!(validate(&editor, &task, Value::Null), Ok(Value::Null));
        let other = Mutation {
            topic: "Note",
            ..task
        };
        assert_eq!(validate(&editor, &other, json!({})), Ok(json!({})));
    }

    #[test]
    fn every_board_of_tasks_needs_a_title() {
        let editor = who(None);
        for topic in ["Task:main", "Task:design", "Task:", "Task:a:b"] {
            let task = Mutation {
                id: "m1",
                topic,
                key: "k",
            };
            let blank = json!({ "title": " ", "done": false });
            assert_eq!(
                validate(&editor, &task, blank),
                Err(NO_TITLE.into()),
                "{topic}"
            );
            let good = json!({ "title": "Ship it", "done": false });
            assert_eq!(validate(&editor, &task, good.clone()), Ok(good), "{topic}");
        }
        // Only the name counts: a type whose name starts with "Task" is another type.
        let other = Mutation {
            id: "m1",
            topic: "Tasks:main",
            key: "k",
        };
        assert_eq!(validate(&editor, &other, json!({})), Ok(json!({})));
    }

    #[test]
    fn private_topics_with_a_parameter_stay_private() {
        for topic in ["private:alice", "private-notes:1", "private"] {
            let sub = Action::Subscribe { topic };
            assert_eq!(
                authorize(&who(None), &sub),
                Err(PRIVATE_TOPIC.into()),
                "{topic}"
            );
            assert_eq!(authorize(&who(Some(OWNER)), &sub), Ok(()), "{topic}");
        }
        // A parameter that looks private does not make a public name private.
        let board = Action::Subscribe {
            topic: "Task:private",
        };
        assert_eq!(authorize(&who(None), &board), Ok(()));
    }
}
