//! Tag-first frame decoding.
//!
//! Serde's derive for an internally tagged enum buffers every frame into an
//! intermediate tree before it looks at the tag: about 20 KiB of wasm for
//! `ServerMsg` alone, and an allocation per field. Here one pass reads only the
//! `type` (skipping the rest without allocating), and a second reads the
//! variant's fields straight from the text into a struct of the same shape.
//!
//! The field lists cannot drift from the types: the variant is built from
//! that struct by name, so the compiler checks that both list the same
//! fields with the same types (a field added to a variant and not here, or a
//! type changed on one side, does not compile). A missing `Option` field is
//! `None`; unknown fields are ignored.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ClientMsg, DecodeError, ResponseError, ServerMsg};

/// One `match` arm per wire `type`: the variant's fields, decoded into a
/// local struct and moved into the variant.
macro_rules! by_type {
    (
        $text:ident,
        $enum:ident { $($tag:literal => $variant:ident { $($field:ident: $ty:ty),* $(,)? }),* $(,)? }
    ) => {{
        let kind = tag($text)?;
        match &*kind {
            $($tag => {
                #[derive(Deserialize)]
                struct Fields { $($field: $ty),* }
                fields::<Fields>($text, $tag)
                    .map(|Fields { $($field),* }| $enum::$variant { $($field),* })
            })*
            _ => Err(DecodeError::UnknownType(kind.into_owned())),
        }
    }};
}

pub(crate) fn client(text: &str) -> Result<ClientMsg, DecodeError> {
    by_type!(text, ClientMsg {
        "hello" => Hello { protocol: u32, token: Option<String> },
        "subscribe" => Subscribe {
            sub: u64, topic: String, schema: u32, since: Option<u64>, epoch: Option<String>,
        },
        "unsubscribe" => Unsubscribe { sub: u64 },
        "mutate" => Mutate { id: String, topic: String, key: String, value: Value },
        "ping" => Ping { t: u64 },
        "request" => Request { id: String, method: String, payload: Value },
    })
}

pub(crate) fn server(text: &str) -> Result<ServerMsg, DecodeError> {
    by_type!(text, ServerMsg {
        "welcome" => Welcome { session: String, heartbeat_ms: Option<u64> },
        "subscribed" => Subscribed { sub: u64, seq: u64, recovered: bool, epoch: Option<String> },
        "snapshot" => Snapshot { sub: u64, seq: u64, schema: u32, entries: Map<String, Value> },
        "update" => Update { sub: u64, seq: u64, key: String, value: Value },
        "ack" => Ack { id: String, seq: u64 },
        "error" => Error {
            code: String, message: String, id: Option<String>, sub: Option<u64>, schema: Option<u32>,
            retry_after_ms: Option<u64>,
        },
        "pong" => Pong { t: u64 },
        "event" => Event { topic: Option<String>, name: String, payload: Value },
        "response" => Response { id: String, result: Option<Value>, error: Option<ResponseError> },
    })
}

/// The frame's `type`: [`DecodeError::Malformed`] unless the frame is valid
/// JSON, an object, and has a string `type`.
fn tag(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
    }
    // Serde would also read a struct from an array; a frame is an object.
    if !text.trim_start().starts_with('{') {
        return Err(DecodeError::Malformed("not a JSON object".into()));
    }
    serde_json::from_str::<Tag>(text)
        .map(|t| t.kind)
        .map_err(|e| DecodeError::Malformed(e.to_string()))
}

fn fields<T: DeserializeOwned>(text: &str, kind: &str) -> Result<T, DecodeError> {
    serde_json::from_str(text).map_err(|e| DecodeError::InvalidFields {
        kind: kind.to_owned(),
        error: e.to_string(),
    })
}
