//! Struct changes, one per row.

use super::*;

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
