//! The derived schema hash changes exactly when the shape serde reads
//! changes, and equals `traced_schema_hash` wherever the tracer can trace.
//! One shape change per row.
#![allow(dead_code)] // the types exist for their shapes

use leptos_sync::{SyncShape, shape_hash, traced_schema_hash};
use serde::Deserialize;
use serde::de::DeserializeOwned;

fn hash<T: SyncShape>() -> u32 {
    shape_hash(T::SHAPE)
}

/// The derived hash, checked against the traced one on the way.
fn traced<T: SyncShape + DeserializeOwned>() -> u32 {
    let derived = hash::<T>();
    assert_eq!(
        derived,
        traced_schema_hash::<T>(),
        "derived and traced hashes of {} differ",
        std::any::type_name::<T>()
    );
    derived
}

#[derive(Deserialize, SyncShape)]
struct Person {
    name: String,
}

#[derive(Deserialize, SyncShape)]
struct Task {
    title: String,
    done: bool,
    created_at: u64,
    owner: Person,
}

#[derive(Deserialize, SyncShape)]
enum Status {
    Todo,
    Blocked(String),
    Done { at: u64, by: Person },
    Moved(u32, u32),
}

mod agreement;
mod enums;
mod structs;
