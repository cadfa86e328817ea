//! Fifty bad frames from the server: invalid JSON, wrong types, unknown
//! types, huge frames, negative and overflowing numbers, seqs going
//! backwards and far ahead, acks for unknown ids, hostile snapshots. Each
//! gives its typed `last_error` (or moves the counter the protocol names),
//! the connection is kept, nothing panics, and the entries heal afterwards.

use leptos::prelude::*;
use leptos_sync::{
    ConnectionMetrics, ReconnectOptions, ReconnectPolicy, SyncComponent, SyncError, SyncOptions,
    SyncRegistry,
};
use serde_json::json;
use wasm_bindgen_test::*;

use crate::item;
use crate::report::*;
use crate::support::*;

item!(Framed, "chaos-frames");

const CLIENT: &str = "chaos-frames";

/// What a frame must do.
enum Expect {
    /// Set `last_error` to a matching error.
    Error(fn(&SyncError) -> bool),
    /// Increase this counter, with no error.
    Counter(fn(&ConnectionMetrics) -> u64),
    /// Nothing visible: no error.
    Quiet,
}

fn malformed(e: &SyncError) -> bool {
    matches!(e, SyncError::MalformedFrame { .. })
}

fn unknown(e: &SyncError) -> bool {
    matches!(e, SyncError::UnknownMessage { .. })
}

fn unknown_ack(e: &SyncError) -> bool {
    matches!(e, SyncError::UnknownAck { .. })
}

fn server(e: &SyncError) -> bool {
    matches!(e, SyncError::Server { .. })
}

fn update(sub: u64, seq: impl std::fmt::Display, value: &str) -> String {
    format!(r#"{{"type":"update","sub":{sub},"seq":{seq},"key":"k","value":{value}}}"#)
}

/// The frames that need no subscription state: `(name, frame, expectation)`.
fn stateless(sub: u64) -> Vec<(&'static str, String, Expect)> {
    use Expect::*;
    let huge = "x".repeat(2_000_000); // just under the control endpoint's 2 MiB body limit
    let s = |t: &str| t.to_string();
    vec![
        ("not JSON", s("{not json"), Error(malformed)),
        ("empty", s(""), Error(malformed)),
        ("null", s("null"), Error(malformed)),
        ("array", s("[]"), Error(malformed)),
        ("string", s(r#""text""#), Error(malformed)),
        ("number", s("42"), Error(malformed)),
        ("no type", s("{}"), Error(malformed)),
        ("numeric type", s(r#"{"type":42}"#), Error(malformed)),
        ("null type", s(r#"{"type":null}"#), Error(malformed)),
        ("array type", s(r#"{"type":["update"]}"#), Error(malformed)),
        (
            "missing fields",
            s(r#"{"type":"update"}"#),
            Error(malformed),
        ),
        (
            "string sub",
            update(0, 1, "1").replace("\"sub\":0", "\"sub\":\"one\""),
            Error(malformed),
        ),
        (
            "negative sub",
            update(0, 1, "null").replace("\"sub\":0", "\"sub\":-1"),
            Error(malformed),
        ),
        ("negative seq", update(sub, -5, "null"), Error(malformed)),
        (
            "seq above u64",
            update(sub, "18446744073709551616", "null"),
            Error(malformed),
        ),
        ("seq 1e400", update(sub, "1e400", "null"), Error(malformed)),
        ("fractional seq", update(sub, 1.5, "null"), Error(malformed)),
        ("NaN", s(r#"{"type":"pong","t":NaN}"#), Error(malformed)),
        ("pong without t", s(r#"{"type":"pong"}"#), Error(malformed)),
        (
            "string t",
            s(r#"{"type":"pong","t":"soon"}"#),
            Error(malformed),
        ),
        (
            "numeric ack id",
            s(r#"{"type":"ack","id":123,"seq":1}"#),
            Error(malformed),
        ),
        (
            "ack without seq",
            s(r#"{"type":"ack","id":"x"}"#),
            Error(malformed),
        ),
        ("nested 100k deep", "[".repeat(100_000), Error(malformed)),
        (
            "huge truncated",
            format!(r#"{{"type":"update","pad":"{huge}"#),
            Error(malformed),
        ),
        (
            "second welcome, overflowing heartbeat",
            s(r#"{"type":"welcome","session":"s2","heartbeat_ms":18446744073709551615}"#),
            Error(malformed),
        ),
        (
            "byte order mark",
            s("\u{feff}{\"type\":\"pong\",\"t\":1}"),
            Error(malformed),
        ),
        (
            "unknown type",
            s(r#"{"type":"teleport"}"#),
            Error(|e| {
                *e == SyncError::UnknownMessage {
                    kind: "teleport".into(),
                }
            }),
        ),
        (
            "empty type",
            s(r#"{"type":""}"#),
            Error(|e| {
                *e == SyncError::UnknownMessage {
                    kind: String::new(),
                }
            }),
        ),
        (
            "upper-case type",
            s(r#"{"type":"WELCOME"}"#),
            Error(unknown),
        ),
        (
            "type with a space",
            s(r#"{"type":"update ","sub":1}"#),
            Error(unknown),
        ),
        (
            "huge unknown",
            format!(r#"{{"type":"teleport","pad":"{huge}"}}"#),
            Error(unknown),
        ),
        (
            "10k-char type",
            format!(r#"{{"type":"{}"}}"#, "t".repeat(10_000)),
            Error(unknown),
        ),
        (
            "markup type",
            s(r#"{"type":"<script>alert(1)</script>"}"#),
            Error(unknown),
        ),
        (
            "ack for an unknown id",
            s(r#"{"type":"ack","id":"no-such-mutation","seq":1}"#),
            Error(|e| {
                *e == SyncError::UnknownAck {
                    id: "no-such-mutation".into(),
                }
            }),
        ),
        (
            "ack, empty id, u64::MAX seq",
            s(r#"{"type":"ack","id":"","seq":18446744073709551615}"#),
            Error(unknown_ack),
        ),
        (
            "server error",
            s(r#"{"type":"error","code":"teapot","message":"short and stout"}"#),
            Error(|e| {
                *e == SyncError::Server {
                    code: "teapot".into(),
                    message: "short and stout".into(),
                }
            }),
        ),
        (
            "error for an unknown mutation",
            s(r#"{"type":"error","code":"x","message":"m","id":"unknown-id"}"#),
            Error(server),
        ),
        (
            "empty error",
            s(r#"{"type":"error","code":"","message":""}"#),
            Error(server),
        ),
        (
            "pong at u64::MAX",
            s(r#"{"type":"pong","t":18446744073709551615}"#),
            Quiet,
        ),
        ("update, unknown sub", update(999_999, 1, "null"), Quiet),
        (
            "subscribed, unknown sub",
            s(r#"{"type":"subscribed","sub":999999,"seq":1,"recovered":true}"#),
            Quiet,
        ),
        (
            "snapshot, unknown sub",
            s(r#"{"type":"snapshot","sub":999999,"seq":1,"schema":1,"entries":{}}"#),
            Quiet,
        ),
        (
            "whitespace and unknown fields",
            s(r#"  {"type":"pong","t":1,"extra":{"deep":[1,2,{"x":null}]}}  "#),
            Quiet,
        ),
    ]
}

#[wasm_bindgen_test]
async fn chaos_bad_frames() {
    scale(); // fails without it, like every category
    install_probes();
    let mut report = Report::new();
    control(&format!("reset?client={CLIENT}")).await;
    for i in 0..3 {
        publish(Framed::NAME, &format!("e{i}"), json!({"n": i})).await;
    }
    let slot = Slot::<Framed>::default();
    let children = {
        let slot = slot.clone();
        move || {
            subscribe(&slot);
        }
    };
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(50),
        ..Default::default()
    });
    let registry = SyncRegistry::new().register::<Framed>();
    let m = mount_with(&ws_url(CLIENT), options, true, registry, children);
    assert!(wait_for(10_000, || m.is_open() && is_live(&slot)).await);

    // The subscription as the server sees it: its sub id, schema and seq.
    let subs = server_subscriptions(&format!("client={CLIENT}")).await;
    let sub = subs.first().expect("one subscription").sub;
    let schema = client_frames(CLIENT)
        .await
        .into_iter()
        .find(|f| f.kind == "subscribe")
        .and_then(|f| f.raw["schema"].as_u64())
        .expect("the subscribe frame's schema");
    let last = query(&format!("topic?name={}", Framed::NAME)).await["seq"]
        .as_u64()
        .unwrap();

    use Expect::*;
    let mut frames = stateless(sub);
    let stateful: Vec<(&str, String, Expect)> = vec![
        (
            "seq going backwards",
            update(sub, last - 1, r#"{"n":7}"#),
            Counter(|m| m.subscriptions.duplicates),
        ),
        (
            "repeated seq",
            update(sub, last, r#"{"n":7}"#),
            Counter(|m| m.subscriptions.duplicates),
        ),
        (
            "next seq with unknown fields",
            update(sub, last + 1, r#"{"n":8,"extra":[1]}"#).replace("}", r#","more":{"x":1}}"#),
            Counter(|m| m.subscriptions.updates),
        ),
        (
            "value of the wrong shape",
            update(sub, last + 2, r#"{"n":"not a number"}"#),
            Error(|e| matches!(e, SyncError::DeserializationFailed { .. })),
        ),
        (
            "snapshot at u64::MAX",
            format!(
                r#"{{"type":"snapshot","sub":{sub},"seq":18446744073709551615,"schema":{schema},"entries":{{"k":{{"n":1}}}}}}"#
            ),
            Counter(|m| m.subscriptions.snapshots),
        ),
        (
            "update after a u64::MAX seq",
            update(sub, 5, r#"{"n":9}"#),
            Counter(|m| m.subscriptions.duplicates),
        ),
        (
            "snapshot of another schema",
            format!(
                r#"{{"type":"snapshot","sub":{sub},"seq":1,"schema":{},"entries":{{}}}}"#,
                schema ^ 1
            ),
            Error(|e| matches!(e, SyncError::SchemaHashMismatch { .. })),
        ),
    ];
    frames.extend(stateful);

    let attempts = m.metrics().attempts;
    let clear = m.ctx.clear_error.clone();
    for (name, frame, expect) in frames {
        report.tried += 1;
        clear();
        let before = m.metrics();
        control_with_body(&format!("send?client={CLIENT}"), &frame).await;
        if !wait_for(5_000, || m.metrics().received > before.received).await {
            report.fail(format!("{name}: the frame was not received"));
            continue;
        }
        let ok = match &expect {
            Error(want) => {
                wait_for(2_000, || {
                    m.ctx.last_error.get_untracked().is_some_and(|e| want(&e))
                })
                .await
            }
            Counter(counter) => {
                wait_for(2_000, || counter(&m.metrics()) > counter(&before)).await
                    && m.ctx.last_error.get_untracked().is_none()
            }
            Quiet => m.ctx.last_error.get_untracked().is_none(),
        };
        let kept = m.is_open() && m.metrics().attempts == attempts;
        if ok && kept {
            report.survived += 1;
        } else {
            let error = m.ctx.last_error.get_untracked();
            let error = format!("{error:?}").chars().take(200).collect::<String>();
            report.fail(format!(
                "{name}: last_error {error}, open {}, attempts {}",
                m.is_open(),
                m.metrics().attempts
            ));
        }
    }

    // Afterwards a reconnect heals the subscription: the entries equal the server's.
    let healed_from = now();
    control(&format!("drop?client={CLIENT}")).await;
    let server = server_entries::<Framed>().await;
    if wait_for(10_000, || {
        m.is_open() && is_live(&slot) && entries(&slot) == server
    })
    .await
    {
        report.recovery(now() - healed_from);
    } else {
        report.fail(format!(
            "no heal after the bad frames: {:?} {:?} vs {server:?}",
            status(&slot),
            entries(&slot)
        ));
    }
    report.finish("bad_frames");
}
