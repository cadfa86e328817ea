//! The derive against the tracer, recursion, generics, and the component derive.

use std::collections::{BTreeMap, HashMap};

use leptos_sync::SyncComponent;
use serde::Serialize;

use super::*;

#[derive(Deserialize, SyncShape)]
struct Containers {
    maybe: Option<i32>,
    list: Vec<f64>,
    by_name: HashMap<String, Vec<Option<bool>>>,
    sorted: BTreeMap<u32, Person>,
    pair: (u8, String),
    twins: (u8, u16),
    grid: [[i8; 2]; 3],
    one: [char; 1],
    people: (Person, Person),
    letters: (char, String),
    sizes: (usize, u64),
    unit: (),
}

#[derive(Deserialize, SyncShape)]
struct Id(u64);

#[derive(Deserialize, SyncShape)]
struct Point(i32, i32);

#[derive(Deserialize, SyncShape)]
struct Marker;

#[derive(Deserialize, SyncShape)]
struct Wrapped {
    id: Id,
    at: Point,
    marker: Marker,
    status: Status,
    card: Card,
}

#[derive(Deserialize, SyncShape)]
struct Card {
    title: String,
    status: Status,
}

#[derive(Deserialize, SyncShape)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Deserialize, SyncShape)]
struct Chain {
    label: String,
    next: Option<Box<Self>>,
}

#[derive(Deserialize, SyncShape)]
enum List {
    Nil,
    Cons(i64, Box<List>),
}

#[derive(Deserialize, SyncShape)]
struct Forest {
    trees: Vec<Tree>,
    chain: Chain,
}

#[derive(Deserialize, SyncShape)]
struct Page<T> {
    items: Vec<T>,
    total: u32,
}

#[test]
fn derived_and_traced_hashes_agree_where_both_apply() {
    for (what, hash) in [
        ("containers", traced::<Containers>()),
        (
            "newtype, tuple and unit structs, enums",
            traced::<Wrapped>(),
        ),
        ("a self-referring struct", traced::<Tree>()),
        ("Self in a field", traced::<Chain>()),
        ("a recursive enum", traced::<List>()),
        ("recursive types inside another", traced::<Forest>()),
        ("a generic struct", traced::<Page<Person>>()),
    ] {
        assert_ne!(hash, 0, "{what}");
    }
}

#[test]
fn a_recursive_type_hashes_as_itself_under_any_name() {
    #[derive(Deserialize, SyncShape)]
    struct Node {
        children: Vec<Node>,
        label: String,
    }
    assert_eq!(hash::<Node>(), hash::<Tree>());
    assert_ne!(hash::<Chain>(), hash::<Tree>());
}

#[test]
fn a_generic_type_follows_its_parameter() {
    assert_ne!(hash::<Page<Person>>(), hash::<Page<Task>>());
    assert_eq!(hash::<Page<u32>>(), hash::<Page<u64>>());
}

#[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Note {
    text: String,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
#[sync(name = "notes")]
#[serde(transparent)]
struct Named {
    text: String,
}

#[test]
fn the_component_derive_sets_the_name_and_a_compile_time_hash() {
    const NOTE: u32 = shape_hash(Note::SHAPE);
    assert_eq!(Note::NAME, "Note");
    assert_eq!(Note::schema_hash(), NOTE);
    assert_eq!(Note::schema_hash(), traced_schema_hash::<Note>());
    assert_eq!(Named::NAME, "notes");
    // Transparent: the hash of the field alone.
    assert_eq!(Named::schema_hash(), hash::<String>());
    assert_eq!(Named::schema_hash(), traced_schema_hash::<Named>());
}

#[test]
fn serde_json_values_and_custom_shapes_hash_as_their_text() {
    #[derive(Deserialize, SyncShape)]
    struct Loose {
        extra: serde_json::Value,
    }
    #[derive(Deserialize, SyncShape)]
    #[sync(shape = "{extra:json}")]
    struct Custom {
        whatever: u8,
    }
    assert_eq!(hash::<Loose>(), hash::<Custom>());
}

mod renamed_dependency {
    use leptos_sync as sync;
    use serde::Deserialize;

    #[derive(Deserialize, sync::SyncShape)]
    #[sync(crate = "sync")]
    pub struct Person {
        name: String,
    }
}

#[test]
fn the_crate_path_can_be_given() {
    assert_eq!(hash::<renamed_dependency::Person>(), hash::<Person>());
}
