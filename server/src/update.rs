//! The `update` frames of one change, encoded once for all its subscribers.
//!
//! Every subscriber of a topic gets the same [`ServerMsg::Update`] but for
//! its `sub`. The change's `seq`, `key` and `value` are serialized once;
//! each subscriber's frame is the fixed head, its `sub` and that shared
//! tail, and subscribers with the same `sub` (each client numbers its own
//! subscriptions from 1, so most do) share one buffer. The bytes are those
//! of [`ServerMsg::encode`]: serde writes an internally tagged variant's
//! `type` first, then its fields in declaration order.
//!
//! [`ServerMsg::Update`]: leptos_sync_protocol::ServerMsg::Update
//! [`ServerMsg::encode`]: leptos_sync_protocol::ServerMsg::encode

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::ws::Utf8Bytes;

use crate::engine::Change;

/// Everything before the `sub` value.
const HEAD: &str = r#"{"type":"update","sub":"#;

/// The seq of the `update` that makes a client resubscribe (PROTOCOL.md,
/// "Sequence numbers and recovery"): past any seq it holds, so it is a gap.
pub const RESYNC_SEQ: u64 = u64::MAX;

/// One change's frames, by subscription id.
pub struct UpdateFrames {
    /// `,"seq":…,"key":…,"value":…}`.
    tail: String,
    by_sub: HashMap<u64, Utf8Bytes>,
}

impl UpdateFrames {
    /// Serializes the part of `change` every subscriber shares.
    pub fn new(change: &Change) -> Self {
        let mut tail = Vec::with_capacity(64 + change.key.len());
        tail.extend_from_slice(br#","seq":"#);
        json(&mut tail, &change.seq);
        tail.extend_from_slice(br#","key":"#);
        json(&mut tail, &change.key);
        tail.extend_from_slice(br#","value":"#);
        json(&mut tail, &change.value);
        tail.push(b'}');
        Self {
            tail: String::from_utf8(tail).expect("serde_json writes UTF-8"),
            by_sub: HashMap::new(),
        }
    }

    /// The frames that make each subscriber resubscribe: an `update` at
    /// [`RESYNC_SEQ`] with an empty key and a null value.
    pub fn resync() -> Self {
        Self::new(&Change {
            seq: RESYNC_SEQ,
            key: String::new(),
            value: serde_json::Value::Null,
        })
    }

    /// The frame for subscription `sub`; a cheap clone of one shared buffer
    /// for every subscriber with that id.
    pub fn frame(&mut self, sub: u64) -> Utf8Bytes {
        let tail = &self.tail;
        self.by_sub
            .entry(sub)
            .or_insert_with(|| {
                let mut text = String::with_capacity(HEAD.len() + 20 + tail.len());
                text.push_str(HEAD);
                // Display writes a u64 as serde_json does: plain decimal digits.
                let _ = write!(text, "{sub}");
                text.push_str(tail);
                Utf8Bytes::from(text)
            })
            .clone()
    }
}

/// Appends `value` as serde_json writes it inside a struct.
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // A u64, a string or a `Value` always serializes, and a Vec takes every write.
    serde_json::to_writer(out, value).expect("protocol types always serialize");
}

#[cfg(test)]
mod tests {
    use leptos_sync_protocol::ServerMsg;
    use serde_json::{Value, json};

    use super::*;
    use crate::engine::Deliver;
    use crate::fanout::Fanout;
    use crate::lifecycle::Lifecycle;
    use crate::queue::{Out, queue};
    use std::sync::Arc;

    fn odd_values() -> Vec<Value> {
        vec![
            Value::Null,
            json!(true),
            json!(0),
            json!(-17),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5e300),
            json!(0.1),
            json!(""),
            json!("quote \" backslash \\ slash / tab \t newline \n nul \u{0} bell \u{7}"),
            json!("unicode: é ß 漢字 🦀 \u{2028} \u{fffd}"),
            json!(["a", 1, null, [[]], {}]),
            json!({"nested": {"deep": [{"k": "v \"q\""}, -0.0]}, "": "empty key", "z": 1, "a": 2}),
        ]
    }

    fn odd_keys() -> Vec<String> {
        [
            "",
            "k",
            "with \"quotes\"",
            "back\\slash",
            "ü🦀\u{0}\n",
            "</script>",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[test]
    fn frames_are_byte_for_byte_what_server_msg_encodes() {
        for key in odd_keys() {
            for value in odd_values() {
                for seq in [0, 1, 4_096, u64::MAX] {
                    let change = Change {
                        seq,
                        key: key.clone(),
                        value: value.clone(),
                    };
                    let mut frames = UpdateFrames::new(&change);
                    for sub in [0, 1, 10, 123_456_789, u64::MAX, 1] {
                        let msg = ServerMsg::Update {
                            sub,
                            seq,
                            key: key.clone(),
                            value: value.clone(),
                        };
                        let frame = frames.frame(sub);
                        assert_eq!(frame.as_str(), msg.encode(), "{sub} {seq} {key:?} {value}");
                        assert_eq!(ServerMsg::decode(&frame), Ok(msg));
                    }
                }
            }
        }
    }

    #[test]
    fn subscribers_with_one_sub_id_share_one_buffer() {
        let change = Change {
            seq: 3,
            key: "k".into(),
            value: json!({"v": 1}),
        };
        let mut frames = UpdateFrames::new(&change);
        let (a, b, c) = (frames.frame(1), frames.frame(1), frames.frame(2));
        assert_eq!(a.as_str().as_ptr(), b.as_str().as_ptr());
        assert_ne!(a.as_str().as_ptr(), c.as_str().as_ptr());
    }

    #[tokio::test]
    async fn deliver_queues_each_subscriber_its_own_sub_and_skips_other_topics() {
        let engine = Arc::new(crate::MemoryEngine::new(8));
        let fanout = Fanout::new(Arc::new(Lifecycle::new(engine, None, None, None)));
        let (tx1, mut rx1) = queue(8, 1 << 16);
        let (tx2, mut rx2) = queue(8, 1 << 16);
        fanout.add(1, 1, "t", &tx1);
        fanout.add(1, 7, "other", &tx1);
        fanout.add(2, 5, "t", &tx2);
        let value = json!({"s": "é\"", "n": [1, 2]});
        let change = Change {
            seq: 9,
            key: "ü".into(),
            value: value.clone(),
        };
        fanout.deliver("t", &change);
        for (rx, want) in [(&mut rx1, 1), (&mut rx2, 5)] {
            let Some(Out::Update { sub, seq, text }) = rx.recv().await else {
                panic!("no update queued for sub {want}");
            };
            assert_eq!((sub, seq), (want, 9));
            let msg = ServerMsg::Update {
                sub: want,
                seq: 9,
                key: "ü".into(),
                value: value.clone(),
            };
            assert_eq!(text.as_str(), msg.encode());
        }
        drop((fanout, tx1, tx2));
        assert!(
            rx1.recv().await.is_none(),
            "one update only, none for `other`"
        );
    }

    #[tokio::test]
    async fn resync_queues_each_subscriber_of_the_topic_an_update_past_any_seq() {
        let engine = Arc::new(crate::MemoryEngine::new(8));
        let fanout = Fanout::new(Arc::new(Lifecycle::new(engine, None, None, None)));
        let (tx1, mut rx1) = queue(8, 1 << 16);
        let (tx2, mut rx2) = queue(8, 1 << 16);
        fanout.add(1, 1, "t", &tx1);
        fanout.add(2, 4, "other", &tx2);
        fanout.resync("t");
        let Some(Out::Update { sub, seq, text }) = rx1.recv().await else {
            panic!("no resync queued")
        };
        assert_eq!((sub, seq), (1, u64::MAX));
        let msg = ServerMsg::Update {
            sub: 1,
            seq: u64::MAX,
            key: String::new(),
            value: Value::Null,
        };
        assert_eq!(ServerMsg::decode(&text), Ok(msg));
        drop((fanout, tx1, tx2));
        assert!(rx1.recv().await.is_none(), "one frame only");
        assert!(rx2.recv().await.is_none(), "nothing for another topic");
    }
}
