//! The canonical text each std shape hashes as: the text
//! `traced_schema_hash` writes for the same type (checked against the tracer
//! in macros/tests/shapes.rs).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::{SyncShape, shape_hash};

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn text_of<T: SyncShape + ?Sized>(text: &str) -> (u32, u32, String) {
    (shape_hash(T::SHAPE), fnv1a(text), text.to_owned())
}

#[test]
fn std_types_hash_as_the_tracers_text() {
    for (derived, expected, text) in [
        text_of::<i8>("int"),
        text_of::<isize>("int"),
        text_of::<u128>("uint"),
        text_of::<f32>("float"),
        text_of::<bool>("bool"),
        text_of::<char>("string"),
        text_of::<str>("string"),
        text_of::<()>("null"),
        text_of::<serde_json::Value>("json"),
        text_of::<Option<u8>>("uint?"),
        text_of::<Vec<Option<String>>>("[string?]"),
        text_of::<VecDeque<bool>>("[bool]"),
        text_of::<BTreeSet<i64>>("[int]"),
        text_of::<[u8]>("[uint]"),
        text_of::<HashMap<String, f64>>("{string:float}"),
        text_of::<BTreeMap<u32, Vec<i8>>>("{uint:[int]}"),
        text_of::<Box<std::rc::Rc<std::sync::Arc<u8>>>>("uint"),
        text_of::<std::borrow::Cow<'static, str>>("string"),
        text_of::<(u8,)>("(uint)"),
        text_of::<(u8, String)>("(uint,string)"),
        // Equal items make an array; equal JSON kinds of other widths do not.
        text_of::<(u8, u8, u8)>("[uint;3]"),
        text_of::<(u8, u16)>("(uint,uint)"),
        text_of::<(char, String)>("(string,string)"),
        text_of::<[i32; 0]>("()"),
        text_of::<[i32; 1]>("(int)"),
        text_of::<[[i32; 2]; 12]>("[[int;2];12]"),
    ] {
        assert_eq!(derived, expected, "{text}");
    }
}
