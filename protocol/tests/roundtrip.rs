use leptos_sync_protocol::{ClientMsg, DecodeError, ServerMsg, close_code};
use serde_json::json;

fn client_samples() -> Vec<ClientMsg> {
    vec![
        ClientMsg::Hello {
            protocol: 1,
            token: Some("t".into()),
        },
        ClientMsg::Hello {
            protocol: 1,
            token: None,
        },
        ClientMsg::Subscribe {
            sub: 7,
            topic: "Position".into(),
            schema: 123,
            since: Some(41),
            epoch: None,
        },
        ClientMsg::Subscribe {
            sub: 8,
            topic: "Position".into(),
            schema: 123,
            since: None,
            epoch: None,
        },
        ClientMsg::Unsubscribe { sub: 7 },
        ClientMsg::Mutate {
            id: "m1".into(),
            topic: "Position".into(),
            key: "e1".into(),
            value: json!({"x": 1}),
        },
        ClientMsg::Mutate {
            id: "m2".into(),
            topic: "Position".into(),
            key: "e1".into(),
            value: json!(null),
        },
        ClientMsg::Ping {
            t: 1_732_200_000_000,
        },
    ]
}

fn server_samples() -> Vec<ServerMsg> {
    let mut entries = serde_json::Map::new();
    entries.insert("e1".into(), json!({"x": 1}));
    vec![
        ServerMsg::Welcome {
            session: "s1".into(),
            heartbeat_ms: Some(30_000),
        },
        ServerMsg::Welcome {
            session: "s1".into(),
            heartbeat_ms: None,
        },
        ServerMsg::Subscribed {
            sub: 7,
            seq: 41,
            recovered: true,
            epoch: None,
        },
        ServerMsg::Snapshot {
            sub: 7,
            seq: 50,
            schema: 123,
            entries,
        },
        ServerMsg::Update {
            sub: 7,
            seq: 51,
            key: "e1".into(),
            value: json!(null),
        },
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 52,
        },
        ServerMsg::Error {
            code: "bad_frame".into(),
            message: "no".into(),
            id: None,
            sub: Some(7),
            schema: None,
            retry_after_ms: None,
        },
        ServerMsg::Error {
            code: "rate_limited".into(),
            message: "at most 200 mutations a second".into(),
            id: Some("m2".into()),
            sub: None,
            schema: None,
            retry_after_ms: Some(5),
        },
        ServerMsg::Pong { t: 5 },
        ServerMsg::Event {
            topic: Some("Chat:42".into()),
            name: "typing".into(),
            payload: json!({ "who": "ana" }),
        },
        ServerMsg::Event {
            topic: None,
            name: "joined".into(),
            payload: json!(null),
        },
    ]
}

#[test]
fn client_messages_round_trip() {
    for msg in client_samples() {
        assert_eq!(ClientMsg::decode(&msg.encode()), Ok(msg));
    }
}

#[test]
fn server_messages_round_trip() {
    for msg in server_samples() {
        assert_eq!(ServerMsg::decode(&msg.encode()), Ok(msg));
    }
}

#[test]
fn wire_format_matches_the_spec() {
    let hello = ClientMsg::Hello {
        protocol: 1,
        token: None,
    }
    .encode();
    assert_eq!(hello, r#"{"type":"hello","protocol":1,"token":null}"#);
    let sub = ClientMsg::Subscribe {
        sub: 7,
        topic: "Position".into(),
        schema: 123,
        since: Some(41),
        epoch: None,
    };
    assert_eq!(
        sub.encode(),
        r#"{"type":"subscribe","sub":7,"topic":"Position","schema":123,"since":41}"#
    );
    let welcome = ServerMsg::decode(r#"{"type":"welcome","session":"abc","heartbeat_ms":30000}"#);
    assert_eq!(
        welcome,
        Ok(ServerMsg::Welcome {
            session: "abc".into(),
            heartbeat_ms: Some(30000)
        })
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let msg = ServerMsg::decode(r#"{"type":"pong","t":3,"extra":{"nested":[1,2]},"v":2}"#);
    assert_eq!(msg, Ok(ServerMsg::Pong { t: 3 }));
    let msg = ClientMsg::decode(r#"{"type":"ping","t":3,"trace":"x"}"#);
    assert_eq!(msg, Ok(ClientMsg::Ping { t: 3 }));
}

#[test]
fn optional_fields_may_be_missing() {
    let msg = ServerMsg::decode(r#"{"type":"error","code":"x","message":"m"}"#);
    assert_eq!(
        msg,
        Ok(ServerMsg::Error {
            code: "x".into(),
            message: "m".into(),
            id: None,
            sub: None,
            schema: None,
            retry_after_ms: None,
        })
    );
}

#[test]
fn unknown_type_is_a_typed_error() {
    assert_eq!(
        ServerMsg::decode(r#"{"type":"teleport","to":"mars"}"#),
        Err(DecodeError::UnknownType("teleport".into()))
    );
    assert_eq!(
        ClientMsg::decode(r#"{"type":"welcome","session":"s"}"#),
        Err(DecodeError::UnknownType("welcome".into()))
    );
}

#[test]
fn an_escaped_type_is_read_like_any_string() {
    assert_eq!(
        ServerMsg::decode(r#"{"t":3,"type":"pon\u0067"}"#),
        Ok(ServerMsg::Pong { t: 3 })
    );
}

#[test]
fn malformed_and_mistyped_frames_are_typed_errors() {
    for bad in [
        "",
        "not json",
        "[1,2]",
        r#"["pong",1]"#,
        "{\"no_type\":1}",
        "{\"type\":5}",
        "{\"type\":\"pong\"",
    ] {
        assert!(
            matches!(ServerMsg::decode(bad), Err(DecodeError::Malformed(_))),
            "{bad:?}"
        );
    }
    for (bad, kind) in [
        (r#"{"type":"pong","t":"soon"}"#, "pong"),
        (
            r#"{"type":"update","sub":1,"seq":-4,"key":"k","value":1}"#,
            "update",
        ),
        (
            r#"{"type":"update","sub":1,"seq":18446744073709551616,"key":"k","value":1}"#,
            "update",
        ),
        (r#"{"type":"ack"}"#, "ack"),
    ] {
        match ServerMsg::decode(bad) {
            Err(DecodeError::InvalidFields { kind: k, .. }) => assert_eq!(k, kind),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn retry_after_is_parsed_from_the_close_reason() {
    assert_eq!(
        close_code::retry_after_ms(&close_code::retry_after_reason(1234)),
        Some(1234)
    );
    assert_eq!(
        close_code::retry_after_ms("overloaded; retry-after=800"),
        Some(800)
    );
    assert_eq!(close_code::retry_after_ms("retry-after=soon"), None);
    assert_eq!(close_code::retry_after_ms(""), None);
}

#[test]
fn an_exact_slot_is_told_from_a_plain_retry_after_and_old_parsers_still_read_it() {
    use close_code::{RetryAfter, retry_after};
    let slot = close_code::slot_reason(1234);
    assert_eq!(
        retry_after(&slot),
        Some(RetryAfter {
            ms: 1234,
            exact: true
        })
    );
    // What a client that predates slots reads from the same reason.
    assert_eq!(close_code::retry_after_ms(&slot), Some(1234));
    let plain = close_code::retry_after_reason(1234);
    assert_eq!(
        retry_after(&plain),
        Some(RetryAfter {
            ms: 1234,
            exact: false
        })
    );
    for (reason, exact) in [
        ("exact, retry-after=5", true),
        ("retry-after=5 EXACT", true),
        ("retry-after=5; exactly", false),
        ("retry-after=5; inexact", false),
    ] {
        let got = retry_after(reason).map(|r| (r.ms, r.exact));
        assert_eq!(got, Some((5, exact)), "{reason}");
    }
    // No wait, no slot: the marker alone says nothing.
    assert_eq!(retry_after("exact"), None);
    assert_eq!(retry_after("retry-after=soon; exact"), None);
}

#[test]
fn an_event_needs_a_name_and_a_payload() {
    for (frame, missing) in [
        (r#"{"type":"event","topic":null,"payload":1}"#, "name"),
        (r#"{"type":"event","topic":null,"name":"x"}"#, "payload"),
    ] {
        let decoded = ServerMsg::decode(frame);
        assert!(
            matches!(&decoded, Err(DecodeError::InvalidFields { kind, error }) if kind == "event" && error.contains(missing)),
            "{frame}: {decoded:?}"
        );
    }
    // `topic` may be left out: an event for no topic.
    let bare = ServerMsg::decode(r#"{"type":"event","name":"x","payload":[]}"#);
    assert_eq!(
        bare,
        Ok(ServerMsg::Event {
            topic: None,
            name: "x".into(),
            payload: json!([])
        })
    );
}
