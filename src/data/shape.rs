//! [`SyncShape`]: the serialized shape of a type, known at compile time, and
//! the schema hash [`shape_hash`] computes from it in a `const`.

mod hash;
mod impls;
#[cfg(test)]
mod tests;

pub use hash::shape_hash;

/// The shape of a type as JSON sees it, known at compile time.
///
/// `#[derive(SyncShape)]` and `#[derive(SyncComponent)]` implement it from the
/// type's fields and its serde attributes; leptos-sync implements it for the
/// std types serde serializes (integers, floats, `bool`, `char`, strings,
/// `Option`, `Vec`, arrays, tuples, maps, sets, `Box`, `Rc`, `Arc`, `()`…)
/// and for `serde_json::Value`. A type from another crate gets a manual impl,
/// or `#[sync(shape = "…")]` / `#[sync(opaque)]` on the field that holds it.
///
/// ```
/// use leptos_sync::{Shape, SyncShape, shape_hash};
///
/// /// A type from another crate that serializes as an RFC 3339 string.
/// struct Timestamp(u64);
///
/// impl SyncShape for Timestamp {
///     const SHAPE: &'static Shape = &Shape::String;
/// }
///
/// assert_eq!(shape_hash(Timestamp::SHAPE), shape_hash(String::SHAPE));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `SyncShape`, so a component holding it has no schema hash",
    note = "derive `SyncShape` for it, implement `SyncShape` by hand, or mark the field \
            `#[sync(shape = \"…\")]` or `#[sync(opaque)]`"
)]
pub trait SyncShape {
    /// The type's shape.
    const SHAPE: &'static Shape;
}

/// One node of a [`SyncShape`]: what a value looks like in JSON.
///
/// Rust type names and field order do not show in JSON, so they do not count
/// in [`shape_hash`]; field and variant names, the kind of each value, and
/// how an enum is tagged do.
///
/// A hand-written impl for a type with a hand-written serde impl builds the
/// shape its JSON has:
///
/// ```
/// use leptos_sync::{Shape, ShapeField, SyncShape, shape_hash};
///
/// /// Serialized by hand as `{"cents": -5, "currency": "EUR"}`.
/// struct Money { cents: i64, currency: [u8; 3] }
///
/// impl SyncShape for Money {
///     const SHAPE: &'static Shape = &Shape::Struct(&[
///         ShapeField { name: "cents", shape: i64::SHAPE, flatten: false },
///         ShapeField { name: "currency", shape: String::SHAPE, flatten: false },
///     ]);
/// }
///
/// #[derive(serde::Deserialize, SyncShape)]
/// struct Derived { currency: String, cents: i64 }
///
/// assert_eq!(shape_hash(Money::SHAPE), shape_hash(Derived::SHAPE));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Shape {
    /// `()`, a unit struct or a unit variant: `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A signed integer of this many bits; the width does not show in JSON
    /// and counts only as the tracer counts it: `(i8, i16)` is a tuple,
    /// `(i8, i8)` an array.
    Int(u8),
    /// An unsigned integer of this many bits (see [`Int`](Self::Int)).
    Uint(u8),
    /// A float of this many bits (see [`Int`](Self::Int)).
    Float(u8),
    /// A string.
    String,
    /// A `char`: a string in JSON (see [`Int`](Self::Int)).
    Char,
    /// Any JSON value (`serde_json::Value`).
    Any,
    /// `null` or the inner shape.
    Option(&'static Shape),
    /// A sequence of one shape (`Vec`, slices, sets, `VecDeque`).
    Seq(&'static Shape),
    /// A map from keys of one shape to values of another.
    Map(&'static Shape, &'static Shape),
    /// A tuple; one of two or more equal items hashes as an [`Array`](Self::Array).
    Tuple(&'static [&'static Shape]),
    /// An array of a fixed length.
    Array(&'static Shape, usize),
    /// The items of a tuple struct or a tuple variant.
    TupleStruct(&'static [&'static Shape]),
    /// An object with named fields.
    Struct(&'static [ShapeField]),
    /// An enum: how it is tagged and its variants.
    Enum(ShapeRepr, &'static [ShapeVariant]),
    /// A user type: its path (for recursion) around its shape.
    Named(&'static str, &'static Shape),
    /// A reference back to the enclosing [`Named`](Self::Named) type of
    /// this path: a recursive type.
    Recursive(&'static str),
    /// A shape given as text (`#[sync(shape = "…")]`, `#[sync(opaque)]`),
    /// hashed as it is.
    Custom(&'static str),
}

/// A field of a [`Shape::Struct`]: its name on the wire and its shape.
#[derive(Debug)]
pub struct ShapeField {
    /// The name serde reads, after `rename` and `rename_all`.
    pub name: &'static str,
    /// The field's shape.
    pub shape: &'static Shape,
    /// `#[serde(flatten)]`: a struct's fields join the enclosing object.
    pub flatten: bool,
}

/// A variant of a [`Shape::Enum`].
#[derive(Debug)]
pub struct ShapeVariant {
    /// The name serde reads, after `rename` and `rename_all`.
    pub name: &'static str,
    /// [`Shape::Null`] for a unit variant, the field's shape for a newtype
    /// variant, [`Shape::TupleStruct`] or [`Shape::Struct`] for the others.
    pub shape: &'static Shape,
    /// `#[serde(untagged)]` on the variant: matched by shape, not by name.
    pub untagged: bool,
}

/// How an enum shows which variant a value is (serde's enum representations).
#[derive(Debug)]
pub enum ShapeRepr {
    /// `{"Variant": …}`, serde's default.
    External,
    /// `#[serde(tag = "…")]`: the tag is a field of the variant's object.
    Internal(&'static str),
    /// `#[serde(tag = "…", content = "…")]`: tag and content side by side.
    Adjacent(&'static str, &'static str),
    /// `#[serde(untagged)]`: no tag, the first variant that fits.
    Untagged,
}
