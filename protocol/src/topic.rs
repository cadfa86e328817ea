//! Topics with a parameter: `<NAME>:<param>` on the wire.
//!
//! A type's topic is its name (`Task`); the same type for one room, board or
//! document is `Task:<param>` (`Task:design`). The name ends at the first
//! `:`, so a name never contains one and a parameter may (`Doc:a:b` is name
//! `Doc`, parameter `a:b`). An empty parameter is a parameter like any other:
//! `Task:` is its own topic, distinct from `Task`. Each topic has its own
//! entries, seqs and epoch; all the topics of one name carry the schema of
//! that name's type. See PROTOCOL.md, "Topics with a parameter".
//!
//! ```
//! use leptos_sync_protocol::topic;
//!
//! let board = topic::join("Task", "design");
//! assert_eq!(board, "Task:design");
//! assert_eq!(topic::split(&board), ("Task", Some("design")));
//! assert_eq!(topic::split("Task"), ("Task", None));
//! assert_eq!(topic::base("Task:design"), "Task");
//! ```

/// What separates a topic's name from its parameter.
///
/// ```
/// assert_eq!(leptos_sync_protocol::topic::SEPARATOR, ':');
/// ```
pub const SEPARATOR: char = ':';

/// The wire topic of `name` with parameter `param`: `<name>:<param>`.
///
/// ```
/// use leptos_sync_protocol::topic;
/// assert_eq!(topic::join("Message", "42"), "Message:42");
/// // An empty parameter still makes a topic of its own.
/// assert_eq!(topic::join("Message", ""), "Message:");
/// ```
pub fn join(name: &str, param: &str) -> String {
    let mut topic = String::with_capacity(name.len() + 1 + param.len());
    topic.push_str(name);
    topic.push(SEPARATOR);
    topic.push_str(param);
    topic
}

/// A wire topic's name and parameter, split at the first `:`; `None` for a
/// topic without one.
///
/// ```
/// use leptos_sync_protocol::topic;
/// assert_eq!(topic::split("Task:ops"), ("Task", Some("ops")));
/// assert_eq!(topic::split("Doc:a:b"), ("Doc", Some("a:b")));
/// assert_eq!(topic::split("Task:"), ("Task", Some("")));
/// assert_eq!(topic::split("Task"), ("Task", None));
/// ```
pub fn split(topic: &str) -> (&str, Option<&str>) {
    match topic.split_once(SEPARATOR) {
        Some((name, param)) => (name, Some(param)),
        None => (topic, None),
    }
}

/// A wire topic's name, without its parameter: what a server matches its
/// rules and types on.
///
/// ```
/// use leptos_sync_protocol::topic;
/// assert_eq!(topic::base("Task:ops"), "Task");
/// assert_eq!(topic::base("Task"), "Task");
/// ```
pub fn base(topic: &str) -> &str {
    split(topic).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_split_round_trip() {
        for (name, param) in [("Task", "main"), ("Doc", "a:b"), ("T", ""), ("T", "ü 1")] {
            let topic = join(name, param);
            assert_eq!(split(&topic), (name, Some(param)), "{topic}");
            assert_eq!(base(&topic), name);
        }
    }

    #[test]
    fn a_topic_without_separator_has_no_param() {
        assert_eq!(split(""), ("", None));
        assert_eq!(split("private-notes"), ("private-notes", None));
        assert_ne!(join("Task", ""), "Task");
    }
}
