//! [`SyncComponent`]: a type whose entries live in a server topic.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type synced as the entries of the topic [`NAME`](Self::NAME).
///
/// Derive it (feature `derive`, on by default): the topic name is the type's
/// name, and the schema hash is computed at compile time from the type's
/// shape as serde reads it (see [`SyncShape`](crate::SyncShape)).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use leptos_sync::SyncComponent;
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// struct Task { title: String, done: bool }
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// #[sync(name = "Task")]
/// struct Renamed { #[serde(rename = "name")] title: String, done: bool }
///
/// assert_eq!(Task::NAME, "Task");
/// // The hash follows the serialized shape: renaming a field changes it.
/// assert_ne!(Task::schema_hash(), Renamed::schema_hash());
/// ```
///
/// The derive's attributes (`#[sync(name = "…")]`, and `#[sync(shape = "…")]`
/// or `#[sync(opaque)]` for what it cannot see into) are described on
/// [`macro@crate::SyncComponent`].
///
/// ## By hand
///
/// An impl can pin the hash instead. With the `schema-reflection` feature,
/// `traced_schema_hash` traces the shape at run
/// time (about 17 KiB of gzipped wasm, see BENCHMARKS.md) and is then also the
/// default `schema_hash`; a native test can use it to guard a pinned value:
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use leptos_sync::SyncComponent;
/// # #[derive(Clone, PartialEq, Serialize, Deserialize)]
/// # struct Task { title: String, done: bool }
/// impl SyncComponent for Task {
///     const NAME: &'static str = "Task";
///     fn schema_hash() -> u32 {
///         0xf70a_59bc
///     }
/// }
/// ```
pub trait SyncComponent:
    Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static
{
    /// The stable topic name. Keep it when renaming the Rust type.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::SyncComponent;
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// #[sync(name = "Task")]
    /// struct TaskV2 { title: String }
    ///
    /// assert_eq!(TaskV2::NAME, "Task");
    /// ```
    const NAME: &'static str;

    /// A 32-bit hash of the serialized shape, sent with every `subscribe` and
    /// checked against every snapshot.
    ///
    /// The derive computes it at compile time. With the `schema-reflection`
    /// feature a hand-written impl may leave it out: the default is then
    /// [`traced_schema_hash`](crate::traced_schema_hash): field names, variant names and value kinds
    /// (bool, signed or unsigned integer, float, string, sequence, map,
    /// option), recursively, ignoring field order and Rust type names, since
    /// neither shows in JSON. Adding, removing, renaming or retyping a field
    /// changes it. Override it to pin a value, or when the shape cannot be
    /// traced (a hand-written `Deserialize` that rejects serde-reflection's
    /// samples, an enum reachable only inside an `Option`, a `Vec` or a map,
    /// `flatten`, internally tagged or untagged enums; the default then falls
    /// back to the type's path). Without the feature it must be implemented.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::SyncComponent;
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// struct Task { title: String }
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// #[sync(name = "Task")]
    /// struct TaskV2 { title: String, done: bool }
    ///
    /// // An added field is a new shape: the server tells the two apart.
    /// assert_ne!(Task::schema_hash(), TaskV2::schema_hash());
    /// ```
    #[cfg(feature = "schema-reflection")]
    fn schema_hash() -> u32 {
        crate::traced_schema_hash::<Self>()
    }

    /// A 32-bit hash of the serialized shape, sent with every `subscribe` and
    /// checked against every snapshot. The derive computes it at compile
    /// time; a hand-written impl pins a value (see the trait docs).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::SyncComponent;
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// struct Task { title: String }
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// #[sync(name = "Task")]
    /// struct TaskV2 { title: String, done: bool }
    ///
    /// // An added field is a new shape: the server tells the two apart.
    /// assert_ne!(Task::schema_hash(), TaskV2::schema_hash());
    /// ```
    #[cfg(not(feature = "schema-reflection"))]
    fn schema_hash() -> u32;
}
