//! The schema hash follows the JSON shape of a type: field and variant names
//! and value kinds, recursively, but not Rust type names or field order.
#![allow(dead_code)] // the types exist for their shapes

use std::collections::{BTreeMap, HashMap};

use super::shape;
use crate::SyncComponent;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};

/// The traced shape of `T`, which must not have fallen back to the type path.
fn traced<T: DeserializeOwned>() -> String {
    let s = shape::<T>();
    assert!(
        !s.starts_with("type:"),
        "{} was not traced: {s}",
        std::any::type_name::<T>()
    );
    s
}

mod v1 {
    use super::*;
    #[derive(Deserialize)]
    pub struct Task {
        pub title: String,
        pub done: bool,
        pub owner: Person,
    }
    #[derive(Deserialize)]
    pub struct Person {
        pub name: String,
    }
}

#[derive(Deserialize)]
struct Todo {
    title: String,
    done: bool,
    owner: User,
}
#[derive(Deserialize)]
struct User {
    name: String,
}

#[derive(Deserialize)]
struct Reordered {
    owner: User,
    done: bool,
    title: String,
}

#[test]
fn the_same_shape_under_other_type_names_gives_the_same_hash() {
    assert_eq!(traced::<v1::Task>(), traced::<Todo>());
    assert_eq!(
        traced::<Todo>(),
        "{done:bool,owner:{name:string},title:string}"
    );
}

#[test]
fn field_order_does_not_matter() {
    assert_eq!(traced::<Reordered>(), traced::<Todo>());
}

#[test]
fn adding_removing_renaming_or_retyping_a_field_changes_it() {
    #[derive(Deserialize)]
    struct Added {
        title: String,
        done: bool,
        owner: User,
        due: Option<u64>,
    }
    #[derive(Deserialize)]
    struct Removed {
        title: String,
        owner: User,
    }
    #[derive(Deserialize)]
    struct Renamed {
        title: String,
        finished: bool,
        owner: User,
    }
    #[derive(Deserialize)]
    struct Retyped {
        title: String,
        done: u8,
        owner: User,
    }
    #[derive(Deserialize)]
    struct NestedRenamed {
        title: String,
        done: bool,
        owner: Nick,
    }
    #[derive(Deserialize)]
    struct Nick {
        nick: String,
    }
    #[derive(Deserialize)]
    struct Optional {
        title: Option<String>,
        done: bool,
        owner: User,
    }
    let base = traced::<Todo>();
    let variants = [
        traced::<Added>(),
        traced::<Removed>(),
        traced::<Renamed>(),
        traced::<Retyped>(),
        traced::<NestedRenamed>(),
        traced::<Optional>(),
    ];
    for (i, v) in variants.iter().enumerate() {
        assert_ne!(*v, base, "variant {i}");
        for w in &variants[..i] {
            assert_ne!(v, w);
        }
    }
}

#[test]
fn containers_have_their_own_shapes() {
    #[derive(Deserialize)]
    struct Containers {
        maybe: Option<i32>,
        list: Vec<f64>,
        by_name: HashMap<String, Vec<Option<bool>>>,
        sorted: BTreeMap<u32, User>,
        pair: (u8, String),
        grid: [[i8; 2]; 3],
        bytes: Vec<u8>,
    }
    let s = traced::<Containers>();
    for part in [
        "maybe:int?",
        "list:[float]",
        "by_name:{string:[bool?]}",
        "sorted:{uint:{name:string}}",
        "pair:(uint,string)",
    ] {
        assert!(s.contains(part), "{part} in {s}");
    }
    // Signedness and width classes are part of the shape; JSON cannot tell u32 from u64.
    assert_ne!(traced::<Option<i32>>(), traced::<Option<u32>>());
    assert_eq!(traced::<Option<u32>>(), traced::<Option<u64>>());
}

#[derive(Deserialize)]
enum Status {
    Todo,
    Blocked(String),
    Done { at: u64, by: User },
    Moved(u32, u32),
}

#[derive(Deserialize)]
enum State {
    Todo,
    Blocked(String),
    Done { by: User, at: u64 },
    Moved(u32, u32),
}

#[test]
fn enums_with_every_kind_of_variant_are_traced() {
    let s = traced::<Status>();
    assert_eq!(
        s,
        "<Blocked:string|Done:{at:uint,by:{name:string}}|Moved:(uint,uint)|Todo:null>"
    );
    assert_eq!(traced::<State>(), s, "names and field order do not count");
    #[derive(Deserialize)]
    enum Fewer {
        Todo,
        Blocked(String),
        Done { at: u64, by: User },
    }
    assert_ne!(traced::<Fewer>(), s);
}

#[test]
fn enums_inside_structs_are_traced_with_every_variant() {
    #[derive(Deserialize)]
    struct Card {
        title: String,
        status: Status,
    }
    #[derive(Deserialize)]
    struct Ticket {
        status: State,
        title: String,
    }
    #[derive(Deserialize)]
    struct Deep {
        title: String,
        inner: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        status: Status,
        kind: Kind,
    }
    #[derive(Deserialize)]
    enum Kind {
        Bug,
        Feature { size: Status },
    }
    let card = traced::<Card>();
    assert!(card.contains("Moved:(uint,uint)|Todo:null"), "{card}");
    assert_eq!(traced::<Ticket>(), card);
    let deep = traced::<Deep>();
    assert!(deep.contains("Feature:{size:<Blocked"), "{deep}");
}

#[test]
fn recursive_types_are_traced() {
    #[derive(Deserialize)]
    struct Tree {
        label: String,
        children: Vec<Tree>,
    }
    #[derive(Deserialize)]
    struct Node {
        children: Vec<Node>,
        label: String,
    }
    #[derive(Deserialize)]
    struct Chain {
        label: String,
        next: Option<Box<Chain>>,
    }
    #[derive(Deserialize)]
    enum List {
        Nil,
        Cons(i64, Box<List>),
    }
    assert_eq!(traced::<Tree>(), "{children:[rec0],label:string}");
    assert_eq!(traced::<Node>(), traced::<Tree>());
    assert_eq!(traced::<Chain>(), "{label:string,next:rec0?}");
    assert_eq!(traced::<List>(), "<Cons:(int,rec0)|Nil:null>");
}

// Two pairs of mutually recursive types with the same field names: in one `p`
// holds the outer type and `q` the inner one, in the other it is the reverse.
#[derive(Deserialize)]
struct OuterA {
    x: InnerA,
}
#[derive(Deserialize)]
struct InnerA {
    p: Option<Box<OuterA>>,
    q: Option<Box<InnerA>>,
}
#[derive(Deserialize)]
struct OuterB {
    x: InnerB,
}
#[derive(Deserialize)]
struct InnerB {
    p: Option<Box<InnerB>>,
    q: Option<Box<OuterB>>,
}

#[test]
fn mutually_recursive_types_that_recurse_differently_differ() {
    assert_ne!(traced::<OuterA>(), traced::<OuterB>());
}

/// A hand-written `Deserialize` that refuses serde-reflection's sample values.
#[derive(Clone, PartialEq, Serialize)]
struct Email(String);

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.contains('@') {
            true => Ok(Email(s)),
            false => Err(de::Error::custom("not an email")),
        }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Contact {
    email: Email,
}

impl SyncComponent for Contact {
    const NAME: &'static str = "Contact";
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Task {
    title: String,
    done: bool,
}

impl SyncComponent for Task {
    const NAME: &'static str = "Task";
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Chore {
    done: bool,
    title: String,
}

impl SyncComponent for Chore {
    const NAME: &'static str = "Chore";
}

#[test]
fn an_untraceable_deserialize_falls_back_to_the_type_path() {
    assert_eq!(
        shape::<Email>(),
        format!("type:{}", std::any::type_name::<Email>())
    );
    assert_eq!(
        shape::<Contact>(),
        format!("type:{}", std::any::type_name::<Contact>())
    );
    assert_eq!(Contact::schema_hash(), Contact::schema_hash());
    assert_ne!(Contact::schema_hash(), Task::schema_hash());
}

#[test]
fn schema_hash_follows_the_shape() {
    assert_eq!(Task::schema_hash(), Chore::schema_hash());
    assert_ne!(Task::schema_hash(), 0);
    #[derive(Clone, PartialEq, Serialize, Deserialize)]
    struct Task2 {
        title: String,
        done: bool,
        due: Option<u64>,
    }
    impl SyncComponent for Task2 {
        const NAME: &'static str = "Task";
    }
    assert_ne!(Task::schema_hash(), Task2::schema_hash());
}

#[test]
fn shapes_the_tracer_cannot_complete_fall_back_without_panicking() {
    // An enum inside an Option, a sequence or a map is explored only once, so
    // its other variants stay unknown: a fallback, never a partial shape.
    #[derive(Deserialize)]
    struct Tagged {
        tags: Vec<Status>,
        maybe: Option<Status>,
    }
    #[derive(Deserialize)]
    struct Loose {
        extra: serde_json::Value,
    }
    #[derive(Deserialize)]
    #[serde(tag = "kind")]
    enum Internally {
        A { x: u8 },
        B,
    }
    for s in [shape::<Tagged>(), shape::<Loose>(), shape::<Internally>()] {
        assert!(s.starts_with("type:"), "{s}");
    }
    assert_eq!(shape::<Tagged>(), shape::<Tagged>());
}
