//! [`SyncComponent`]: a type whose entries live in a server topic.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type synced as the entries of the topic [`NAME`](Self::NAME).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use leptos_sync::SyncComponent;
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize)]
/// struct Task { title: String, done: bool }
///
/// impl SyncComponent for Task {
///     const NAME: &'static str = "Task";
/// }
///
/// // The hash follows the serialized shape: renaming a field changes it.
/// assert_ne!(Task::schema_hash(), 0);
/// ```
///
/// ## Pinned hashes, for a smaller app
///
/// The default [`schema_hash`](Self::schema_hash) traces the type at run time
/// with serde-reflection, about 17 KiB of gzipped wasm (see BENCHMARKS.md).
/// An app can pin each hash instead and build without the
/// `schema-reflection` feature (`default-features = false`), keeping the
/// check honest with a native test, where the feature is on:
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
///
/// // In a test: fails when the shape changes and the pin was not updated.
/// assert_eq!(Task::schema_hash(), leptos_sync::traced_schema_hash::<Task>());
/// ```
pub trait SyncComponent:
    Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static
{
    /// The stable topic name. Keep it when renaming the Rust type.
    const NAME: &'static str;

    /// A 32-bit hash of the serialized shape, sent with every `subscribe` and
    /// checked against every snapshot.
    ///
    /// The default (feature `schema-reflection`, on by default) is
    /// [`traced_schema_hash`](crate::traced_schema_hash): field names, variant names and value kinds
    /// (bool, signed or unsigned integer, float, string, sequence, map,
    /// option), recursively, ignoring field order and Rust type names, since
    /// neither shows in JSON. Adding, removing, renaming or retyping a field
    /// changes it. Override it to pin a value, or when the shape cannot be
    /// traced (a hand-written `Deserialize` that rejects serde-reflection's
    /// samples, an enum reachable only inside an `Option`, a `Vec` or a map,
    /// `flatten`, internally tagged or untagged enums; the default then falls
    /// back to the type's path). Without the feature it must be implemented.
    #[cfg(feature = "schema-reflection")]
    fn schema_hash() -> u32 {
        crate::traced_schema_hash::<Self>()
    }

    /// A 32-bit hash of the serialized shape, sent with every `subscribe` and
    /// checked against every snapshot. Without the `schema-reflection`
    /// feature there is no default: pin a value (see the trait docs).
    #[cfg(not(feature = "schema-reflection"))]
    fn schema_hash() -> u32;
}
