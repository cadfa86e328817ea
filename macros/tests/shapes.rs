//! The derived schema hash changes exactly when the shape serde reads
//! changes, and equals `traced_schema_hash` wherever the tracer can trace.
//! One shape change per row.
#![allow(dead_code)] // the types exist for their shapes

use std::collections::{BTreeMap, HashMap};

use leptos_sync::{SyncComponent, SyncShape, shape_hash, traced_schema_hash};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

/// Each module holds `Task` with one change; `same` says whether serde
/// reads the same shape.
mod row {
    use super::*;
    macro_rules! task {
        ($module:ident $(#[$attr:meta])* { $($body:tt)* }) => {
            pub mod $module {
                use super::*;
                #[derive(Deserialize, SyncShape)]
                $(#[$attr])*
                pub struct Task { $($body)* }
            }
        };
    }
    task!(reordered {
        owner: Person,
        created_at: u64,
        done: bool,
        title: String
    });
    task!(renamed {
        title: String,
        finished: bool,
        created_at: u64,
        owner: Person
    });
    task!(serde_renamed {
        title: String,
        #[serde(rename = "complete")]
        done: bool,
        created_at: u64,
        owner: Person
    });
    task!(serde_renamed_back {
        title: String,
        #[serde(rename = "done")]
        finished: bool,
        created_at: u64,
        owner: Person
    });
    task!(camel_case #[serde(rename_all = "camelCase")] { title: String, done: bool, created_at: u64, owner: Person });
    task!(camel_case_back #[serde(rename_all = "camelCase")] { title: String, done: bool, #[serde(rename = "created_at")] created_at: u64, owner: Person });
    task!(added { title: String, done: bool, created_at: u64, owner: Person, due: Option<u64> });
    task!(removed {
        title: String,
        created_at: u64,
        owner: Person
    });
    task!(skipped {
        #[serde(skip)]
        title: String,
        done: bool,
        created_at: u64,
        owner: Person
    });
    task!(retyped {
        title: String,
        done: u8,
        created_at: u64,
        owner: Person
    });
    task!(signed {
        title: String,
        done: bool,
        created_at: i64,
        owner: Person
    });
    task!(wider {
        title: String,
        done: bool,
        created_at: u128,
        owner: Person
    });
    task!(optional { title: Option<String>, done: bool, created_at: u64, owner: Person });
    task!(listed { title: String, done: bool, created_at: u64, owner: Vec<Person> });
    task!(boxed { title: String, done: bool, created_at: u64, owner: Box<Person> });
    task!(defaulted {
        title: String,
        #[serde(default)]
        done: bool,
        created_at: u64,
        owner: Person
    });
    task!(nested_changed {
        title: String,
        done: bool,
        created_at: u64,
        owner: other::Person
    });
    task!(flattened_owner {
        title: String,
        done: bool,
        created_at: u64,
        #[serde(flatten)]
        owner: Person
    });
    task!(flattened_rest {
        title: String,
        #[serde(flatten)]
        rest: Rest
    });
    task!(forced_shape {
        title: String,
        done: bool,
        created_at: u64,
        #[sync(shape = "{name:string}")]
        owner: Person
    });
    task!(opaque {
        title: String,
        done: bool,
        created_at: u64,
        #[sync(opaque)]
        owner: Person
    });

    pub mod other {
        use super::*;
        #[derive(Deserialize, SyncShape)]
        pub struct Person {
            pub name: String,
            pub age: u32,
        }
    }
    #[derive(Deserialize, SyncShape)]
    pub struct Rest {
        done: bool,
        created_at: u64,
        owner: Person,
    }
}

#[test]
fn struct_changes_change_the_hash_exactly_when_the_wire_shape_changes() {
    let base = traced::<Task>();
    // (change, its hash, same shape on the wire)
    let rows: &[(&str, u32, bool)] = &[
        ("fields reordered", traced::<row::reordered::Task>(), true),
        ("field renamed", traced::<row::renamed::Task>(), false),
        ("serde rename", traced::<row::serde_renamed::Task>(), false),
        (
            "serde rename back to the wire name",
            traced::<row::serde_renamed_back::Task>(),
            true,
        ),
        (
            "rename_all = camelCase",
            traced::<row::camel_case::Task>(),
            false,
        ),
        (
            "camelCase, renamed back",
            traced::<row::camel_case_back::Task>(),
            true,
        ),
        ("field added", traced::<row::added::Task>(), false),
        ("field removed", traced::<row::removed::Task>(), false),
        ("serde(skip)", traced::<row::skipped::Task>(), false),
        ("bool -> u8", traced::<row::retyped::Task>(), false),
        ("u64 -> i64", traced::<row::signed::Task>(), false),
        (
            "u64 -> u128 (JSON cannot tell)",
            traced::<row::wider::Task>(),
            true,
        ),
        (
            "String -> Option<String>",
            traced::<row::optional::Task>(),
            false,
        ),
        (
            "Person -> Vec<Person>",
            traced::<row::listed::Task>(),
            false,
        ),
        ("Person -> Box<Person>", traced::<row::boxed::Task>(), true),
        ("serde(default)", traced::<row::defaulted::Task>(), true),
        (
            "nested struct gained a field",
            traced::<row::nested_changed::Task>(),
            false,
        ),
        // The tracer cannot trace flatten: derived only.
        (
            "nested struct flattened",
            hash::<row::flattened_owner::Task>(),
            false,
        ),
        (
            "fields moved into a flattened struct",
            hash::<row::flattened_rest::Task>(),
            true,
        ),
        (
            "#[sync(shape)] with the same text",
            hash::<row::forced_shape::Task>(),
            true,
        ),
        ("#[sync(opaque)]", hash::<row::opaque::Task>(), false),
    ];
    for (change, hash, same) in rows {
        assert_eq!(*hash == base, *same, "{change}");
    }
    // The changes that differ differ from each other too.
    let differing: Vec<_> = rows.iter().filter(|r| !r.2).collect();
    for (i, a) in differing.iter().enumerate() {
        for b in &differing[..i] {
            assert_ne!(a.1, b.1, "{} and {}", a.0, b.0);
        }
    }
}

#[derive(Deserialize, SyncShape)]
enum Status {
    Todo,
    Blocked(String),
    Done { at: u64, by: Person },
    Moved(u32, u32),
}

mod variant {
    use super::*;
    macro_rules! status {
        ($module:ident $(#[$attr:meta])* { $($body:tt)* }) => {
            pub mod $module {
                use super::*;
                #[derive(Deserialize, SyncShape)]
                $(#[$attr])*
                pub enum Status { $($body)* }
            }
        };
    }
    status!(reordered { Moved(u32, u32), Done { by: Person, at: u64 }, Blocked(String), Todo });
    status!(renamed_back { #[serde(rename = "Todo")] Open, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(renamed { Open, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(snake_case #[serde(rename_all = "snake_case")] { Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(added { Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32), Gone });
    status!(skipped { #[serde(skip)] Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(field_renamed { Todo, Blocked(String), Done { at: u64, who: Person }, Moved(u32, u32) });
    status!(fields_camel #[serde(rename_all_fields = "UPPERCASE")] { Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(internal #[serde(tag = "kind")] { Todo, Blocked { why: String }, Done { at: u64, by: Person } });
    status!(internal_type #[serde(tag = "type")] { Todo, Blocked { why: String }, Done { at: u64, by: Person } });
    status!(adjacent #[serde(tag = "kind", content = "data")] { Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(untagged #[serde(untagged)] { Todo, Blocked(String), Done { at: u64, by: Person }, Moved(u32, u32) });
    status!(untagged_last { Todo, Blocked(String), Done { at: u64, by: Person }, #[serde(untagged)] Moved(u32, u32) });
}

#[test]
fn enum_changes_change_the_hash_exactly_when_the_wire_shape_changes() {
    let base = traced::<Status>();
    let rows: &[(&str, u32, bool)] = &[
        (
            "variants reordered",
            traced::<variant::reordered::Status>(),
            true,
        ),
        (
            "serde rename back to the wire name",
            traced::<variant::renamed_back::Status>(),
            true,
        ),
        (
            "variant renamed",
            traced::<variant::renamed::Status>(),
            false,
        ),
        (
            "rename_all = snake_case",
            traced::<variant::snake_case::Status>(),
            false,
        ),
        ("variant added", traced::<variant::added::Status>(), false),
        (
            "variant skipped",
            traced::<variant::skipped::Status>(),
            false,
        ),
        (
            "variant field renamed",
            traced::<variant::field_renamed::Status>(),
            false,
        ),
        (
            "rename_all_fields",
            traced::<variant::fields_camel::Status>(),
            false,
        ),
        // The tracer cannot trace these representations: derived only.
        ("tag = kind", hash::<variant::internal::Status>(), false),
        (
            "tag = type",
            hash::<variant::internal_type::Status>(),
            false,
        ),
        ("tag + content", hash::<variant::adjacent::Status>(), false),
        ("untagged", hash::<variant::untagged::Status>(), false),
        (
            "one variant untagged",
            hash::<variant::untagged_last::Status>(),
            false,
        ),
    ];
    for (change, hash, same) in rows {
        assert_eq!(*hash == base, *same, "{change}");
    }
    let differing: Vec<_> = rows.iter().filter(|r| !r.2).collect();
    for (i, a) in differing.iter().enumerate() {
        for b in &differing[..i] {
            assert_ne!(a.1, b.1, "{} and {}", a.0, b.0);
        }
    }
}

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
