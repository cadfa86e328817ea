//! The `request` and `response` frames on the wire (PROTOCOL.md, "Requests").

use leptos_sync_protocol::{ClientMsg, DecodeError, ResponseError, ServerMsg};
use serde_json::json;

#[test]
fn a_request_round_trips_and_matches_the_spec() {
    let request = ClientMsg::Request {
        id: "r1".into(),
        method: "summary".into(),
        payload: json!({"topic": "Task:b1"}),
    };
    let text = request.encode();
    assert_eq!(
        text,
        r#"{"type":"request","id":"r1","method":"summary","payload":{"topic":"Task:b1"}}"#
    );
    assert_eq!(ClientMsg::decode(&text), Ok(request));
}

#[test]
fn a_request_needs_its_id_method_and_payload() {
    let null_payload =
        ClientMsg::decode(r#"{"type":"request","id":"r","method":"m","payload":null}"#);
    assert_eq!(
        null_payload,
        Ok(ClientMsg::Request {
            id: "r".into(),
            method: "m".into(),
            payload: json!(null),
        })
    );
    let no_payload = ClientMsg::decode(r#"{"type":"request","id":"r","method":"m"}"#);
    assert!(matches!(no_payload, Err(DecodeError::InvalidFields { .. })));
    let no_id = ClientMsg::decode(r#"{"type":"request","method":"m","payload":1}"#);
    assert!(matches!(no_id, Err(DecodeError::InvalidFields { kind, .. }) if kind == "request"));
}

#[test]
fn responses_carry_a_result_or_an_error() {
    let done = ServerMsg::Response {
        id: "r1".into(),
        result: Some(json!({"open": 2})),
        error: None,
    };
    assert_eq!(
        done.encode(),
        r#"{"type":"response","id":"r1","result":{"open":2}}"#
    );
    let failed = ServerMsg::Response {
        id: "r2".into(),
        result: None,
        error: Some(ResponseError::new("not_found", "no such board")),
    };
    assert_eq!(
        failed.encode(),
        r#"{"type":"response","id":"r2","error":{"code":"not_found","message":"no such board"}}"#
    );
    for msg in [done, failed] {
        assert_eq!(ServerMsg::decode(&msg.encode()), Ok(msg));
    }
}

#[test]
fn a_null_result_decodes_like_a_missing_one_and_a_bad_error_is_invalid() {
    let null = ServerMsg::decode(r#"{"type":"response","id":"r","result":null}"#);
    assert!(matches!(
        null,
        Ok(ServerMsg::Response {
            result: None,
            error: None,
            ..
        })
    ));
    let bad = ServerMsg::decode(r#"{"type":"response","id":"r","error":"boom"}"#);
    assert!(matches!(bad, Err(DecodeError::InvalidFields { kind, .. }) if kind == "response"));
}
