//! Enum changes, one per row.

use super::*;

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
