//! [`SyncShape`] for the std types serde serializes, as serde serializes them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use super::{Shape, SyncShape};

macro_rules! leaf {
    ($($ty:ty => $shape:expr),+ $(,)?) => {
        $(impl SyncShape for $ty {
            const SHAPE: &'static Shape = &$shape;
        })+
    };
}

// serde writes `isize` and `usize` as 64-bit integers.
leaf! {
    i8 => Shape::Int(8), i16 => Shape::Int(16), i32 => Shape::Int(32),
    i64 => Shape::Int(64), i128 => Shape::Int(128), isize => Shape::Int(64),
    u8 => Shape::Uint(8), u16 => Shape::Uint(16), u32 => Shape::Uint(32),
    u64 => Shape::Uint(64), u128 => Shape::Uint(128), usize => Shape::Uint(64),
    f32 => Shape::Float(32), f64 => Shape::Float(64),
    bool => Shape::Bool, String => Shape::String, str => Shape::String, char => Shape::Char,
    () => Shape::Null, serde_json::Value => Shape::Any,
}

/// Types serde writes as their content.
macro_rules! transparent {
    ($($ty:ident),+) => {
        $(impl<T: SyncShape + ?Sized> SyncShape for $ty<T> {
            const SHAPE: &'static Shape = T::SHAPE;
        })+
    };
}

transparent!(Box, Rc, Arc);

impl<T: SyncShape + ?Sized> SyncShape for &T {
    const SHAPE: &'static Shape = T::SHAPE;
}

impl<T: SyncShape + ToOwned + ?Sized> SyncShape for Cow<'_, T> {
    const SHAPE: &'static Shape = T::SHAPE;
}

impl<T: SyncShape> SyncShape for Option<T> {
    const SHAPE: &'static Shape = &Shape::Option(T::SHAPE);
}

/// Types serde writes as a sequence.
macro_rules! seq {
    ($($ty:ident),+) => {
        $(impl<T: SyncShape> SyncShape for $ty<T> {
            const SHAPE: &'static Shape = &Shape::Seq(T::SHAPE);
        })+
    };
}

seq!(Vec, VecDeque, BTreeSet);

impl<T: SyncShape, S> SyncShape for HashSet<T, S> {
    const SHAPE: &'static Shape = &Shape::Seq(T::SHAPE);
}

impl<T: SyncShape> SyncShape for [T] {
    const SHAPE: &'static Shape = &Shape::Seq(T::SHAPE);
}

impl<T: SyncShape, const N: usize> SyncShape for [T; N] {
    const SHAPE: &'static Shape = &Shape::Array(T::SHAPE, N);
}

impl<K: SyncShape, V: SyncShape> SyncShape for BTreeMap<K, V> {
    const SHAPE: &'static Shape = &Shape::Map(K::SHAPE, V::SHAPE);
}

impl<K: SyncShape, V: SyncShape, S> SyncShape for HashMap<K, V, S> {
    const SHAPE: &'static Shape = &Shape::Map(K::SHAPE, V::SHAPE);
}

macro_rules! tuple {
    ($($name:ident)+) => {
        impl<$($name: SyncShape),+> SyncShape for ($($name,)+) {
            const SHAPE: &'static Shape = &Shape::Tuple(&[$($name::SHAPE),+]);
        }
    };
}

tuple!(A);
tuple!(A B);
tuple!(A B C);
tuple!(A B C D);
tuple!(A B C D E);
tuple!(A B C D E F);
tuple!(A B C D E F G);
tuple!(A B C D E F G H);
