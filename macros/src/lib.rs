//! `#[derive(SyncComponent)]`, `#[derive(SyncShape)]` and `#[derive(SyncEvent)]`
//! for [leptos-sync](https://docs.rs/leptos-sync), which re-exports them: use
//! them as `leptos_sync::SyncComponent`, `leptos_sync::SyncShape` and
//! `leptos_sync::SyncEvent`.

mod attrs;
mod event;
mod expand;

// The README's example is compiled (and run) as a doctest too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `SyncComponent` (and `SyncShape`) for a serde type: the topic
/// name and a schema hash computed at compile time from the type's shape as
/// serde reads it.
///
/// ```
/// use leptos_sync::{SyncComponent, SyncShape};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// #[sync(name = "tasks")] // the topic; the type's name without it
/// struct Task {
///     title: String,
///     done: bool,
///     owner: Person,
/// }
///
/// // A type inside a component derives `SyncShape`: when its shape changes,
/// // so does the component's hash.
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncShape)]
/// struct Person { name: String }
///
/// assert_eq!(Task::NAME, "tasks");
/// assert_ne!(Task::schema_hash(), 0);
/// ```
///
/// The hash follows what serde reads: field and variant names after `rename`
/// and `rename_all`, fields left out by `skip`, `flatten`, the enum
/// representation (`tag`, `content`, `untagged`), `transparent`, and each
/// field type's [`SyncShape`](macro@SyncShape), recursively. Field order and
/// Rust type names do not count, since JSON shows neither. Where
/// `leptos_sync::traced_schema_hash` (feature `schema-reflection`) can trace a
/// type, both give the same hash, so moving between them keeps a topic's
/// schema. Where it cannot (`flatten`, internally tagged or untagged enums, an
/// enum inside an `Option`, a sequence or a map, a hand-written
/// `Deserialize`), the tracer falls back to a hash of the Rust type path and
/// the two differ; the derive's hash is the one that follows the shape.
///
/// ## Attributes
///
/// - `#[sync(name = "…")]` on the type: the topic name (default: the type's name).
/// - `#[sync(shape = "…")]` on the type or a field: the shape as text, hashed
///   as it is, for a type whose serde impl is written by hand or lives in
///   another crate, e.g. `#[sync(shape = "string")]` for a timestamp that
///   serializes as a string. The texts the built-in shapes use are `null`,
///   `bool`, `int`, `uint`, `float`, `string` and `json`.
/// - `#[sync(crate = "…")]` on the type: the path to leptos-sync, for a crate
///   that renames the dependency or re-exports it (default `::leptos_sync`).
/// - `#[sync(opaque)]` on a field: the field's type as written stands for its
///   shape. Changing the type changes the hash; a change inside that type
///   does not.
///
/// A field with `#[serde(with = …)]` (or `serialize_with` /
/// `deserialize_with`), and a type with `#[serde(from = …)]`, `into` or
/// `try_from`, needs one of these: the derive cannot see what the code
/// writes.
///
/// ```compile_fail
/// # use leptos_sync::SyncComponent;
/// # use serde::{Deserialize, Serialize};
/// mod seconds {
///     pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> { s.serialize_u64(*v) }
///     pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> { serde::Deserialize::deserialize(d) }
/// }
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// struct Event { #[serde(with = "seconds")] at: u64 } // error: add #[sync(shape = "…")] or #[sync(opaque)]
/// ```
///
/// A field type with no `SyncShape` impl is a compile error too; give it an
/// impl (see `leptos_sync::SyncShape`) or one of the attributes above:
///
/// ```compile_fail
/// # use leptos_sync::SyncComponent;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Clone, PartialEq, Serialize, Deserialize)]
/// struct Foreign(u8); // no SyncShape
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// struct Holder { inner: Foreign }
/// ```
///
/// A type may refer to itself (`Vec<Self>`, `Option<Box<Tree>>`); two types
/// that refer to each other are a compile error (a cycle in the constant):
/// give one of them a `#[sync(shape = "…")]` field.
#[proc_macro_derive(SyncComponent, attributes(sync))]
pub fn derive_sync_component(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, true)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `SyncShape` for a type used inside a component: its shape as
/// serde reads it, with the same attributes as
/// [`SyncComponent`](macro@SyncComponent) (but no topic name).
///
/// ```
/// use leptos_sync::{SyncShape, shape_hash};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, SyncShape)]
/// #[serde(tag = "kind", rename_all = "snake_case")]
/// enum Status { Open, Closed { at: u64 } }
///
/// #[derive(Deserialize, SyncShape)]
/// enum External { Open, Closed { at: u64 } }
///
/// // Tagged differently on the wire: a different hash.
/// assert_ne!(shape_hash(Status::SHAPE), shape_hash(External::SHAPE));
/// ```
#[proc_macro_derive(SyncShape, attributes(sync))]
pub fn derive_sync_shape(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, false)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `SyncEvent` for a type a server event's payload decodes into:
/// its name is the type's name, or `#[sync(name = "…")]`.
///
/// ```
/// use leptos_sync::SyncEvent;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, SyncEvent)]
/// struct Joined { who: String }
///
/// #[derive(Deserialize, SyncEvent)]
/// #[sync(name = "doc.locked")]
/// struct Locked { by: String }
///
/// assert_eq!((Joined::NAME, Locked::NAME), ("Joined", "doc.locked"));
/// ```
///
/// An event has no schema hash, so `shape` does not apply:
///
/// ```compile_fail
/// # use leptos_sync::SyncEvent;
/// #[derive(serde::Deserialize, SyncEvent)]
/// #[sync(shape = "string")]
/// struct Ping(String);
/// ```
#[proc_macro_derive(SyncEvent, attributes(sync))]
pub fn derive_sync_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    event::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
