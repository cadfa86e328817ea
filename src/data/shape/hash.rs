//! The schema hash of a [`Shape`], computed in a `const`: FNV-1a over the
//! same canonical text `traced_schema_hash` writes for what it can trace, so
//! a derived hash equals the traced one wherever both apply.

use super::{Shape, ShapeField, ShapeRepr, ShapeVariant};

/// The schema hash of a shape, as a `const fn`: what
/// [`SyncComponent::schema_hash`](crate::SyncComponent::schema_hash) returns
/// for a derived component.
///
/// ```
/// use leptos_sync::{SyncShape, shape_hash};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, SyncShape)]
/// struct Task { title: String, done: bool }
/// #[derive(Deserialize, SyncShape)]
/// struct Chore { done: bool, title: String }
/// #[derive(Deserialize, SyncShape)]
/// struct Renamed { #[serde(rename = "name")] title: String, done: bool }
///
/// const TASK: u32 = shape_hash(Task::SHAPE);
/// assert_eq!(TASK, shape_hash(Chore::SHAPE), "field order does not count");
/// assert_ne!(TASK, shape_hash(Renamed::SHAPE), "wire names do");
/// ```
pub const fn shape_hash(shape: &Shape) -> u32 {
    write(Fnv(0x811c_9dc5), shape, None).0
}

#[derive(Clone, Copy)]
struct Fnv(u32);

impl Fnv {
    const fn byte(self, b: u8) -> Self {
        Fnv((self.0 ^ b as u32).wrapping_mul(0x0100_0193))
    }

    const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            self = self.byte(bytes[i]);
            i += 1;
        }
        self
    }

    const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut len = 0;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while len > 0 {
            len -= 1;
            self = self.byte(digits[len]);
        }
        self
    }
}

/// The named types being written, innermost first, for [`Shape::Recursive`].
struct Stack<'a> {
    name: &'static str,
    depth: usize,
    up: Option<&'a Stack<'a>>,
}

/// Depth of the outermost enclosing type of this name (as the tracer counts).
const fn depth_of(mut stack: Option<&Stack<'_>>, name: &str) -> Option<usize> {
    let mut found = None;
    while let Some(s) = stack {
        if str_eq(s.name, name) {
            found = Some(s.depth);
        }
        stack = s.up;
    }
    found
}

const fn str_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

const fn str_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && !str_less(a, b) && !str_less(b, a)
}

const fn write(h: Fnv, shape: &Shape, stack: Option<&Stack<'_>>) -> Fnv {
    match shape {
        Shape::Null => h.str("null"),
        Shape::Bool => h.str("bool"),
        Shape::Int(_) => h.str("int"),
        Shape::Uint(_) => h.str("uint"),
        Shape::Float(_) => h.str("float"),
        Shape::String | Shape::Char => h.str("string"),
        Shape::Any => h.str("json"),
        Shape::Option(inner) => write(h, inner, stack).byte(b'?'),
        Shape::Seq(inner) => write(h.byte(b'['), inner, stack).byte(b']'),
        Shape::Map(key, value) => {
            let h = write(h.byte(b'{'), key, stack).byte(b':');
            write(h, value, stack).byte(b'}')
        }
        // The tracer writes a tuple of two or more equal items as an array.
        Shape::Tuple(items) if items.len() >= 2 && all_same(items) => {
            write_array(h, items[0], items.len(), stack)
        }
        Shape::Tuple(items) | Shape::TupleStruct(items) => write_tuple(h, items, stack),
        Shape::Array(item, len) => match len {
            0 => h.str("()"),
            1 => write(h.byte(b'('), item, stack).byte(b')'),
            _ => write_array(h, item, *len, stack),
        },
        Shape::Struct(fields) => write_fields(h, fields, stack),
        Shape::Enum(repr, variants) => write_enum(h, repr, variants, stack),
        Shape::Named(name, inner) => {
            let depth = match stack {
                Some(s) => s.depth + 1,
                None => 0,
            };
            let here = Stack {
                name,
                depth,
                up: stack,
            };
            write(h, inner, Some(&here))
        }
        Shape::Recursive(name) => match depth_of(stack, name) {
            Some(depth) => h.str("rec").num(depth),
            None => h.byte(b'?'),
        },
        Shape::Custom(text) => h.str(text),
    }
}

const fn write_array(h: Fnv, item: &Shape, len: usize, stack: Option<&Stack<'_>>) -> Fnv {
    write(h.byte(b'['), item, stack)
        .byte(b';')
        .num(len)
        .byte(b']')
}

const fn write_tuple(mut h: Fnv, items: &[&Shape], stack: Option<&Stack<'_>>) -> Fnv {
    h = h.byte(b'(');
    let mut i = 0;
    while i < items.len() {
        if i > 0 {
            h = h.byte(b',');
        }
        h = write(h, items[i], stack);
        i += 1;
    }
    h.byte(b')')
}

/// Fields in name order (JSON objects are unordered), flattened structs'
/// fields among them; then any other flattened shape (a map, an enum) as
/// `..shape`.
const fn write_fields(mut h: Fnv, fields: &'static [ShapeField], stack: Option<&Stack<'_>>) -> Fnv {
    h = h.byte(b'{');
    let mut first = true;
    let mut prev: Option<&str> = None;
    while let Some(field) = next_field(fields, prev) {
        if !first {
            h = h.byte(b',');
        }
        first = false;
        h = write(h.str(field.name).byte(b':'), field.shape, stack);
        prev = Some(field.name);
    }
    let mut i = 0;
    while i < fields.len() {
        let field = &fields[i];
        if field.flatten && struct_fields(field.shape).is_none() {
            if !first {
                h = h.byte(b',');
            }
            first = false;
            h = write(h.str(".."), field.shape, stack);
        }
        i += 1;
    }
    h.byte(b'}')
}

/// The field with the smallest name after `prev`, looking into flattened structs.
const fn next_field(
    fields: &'static [ShapeField],
    prev: Option<&str>,
) -> Option<&'static ShapeField> {
    let mut best: Option<&'static ShapeField> = None;
    let mut i = 0;
    while i < fields.len() {
        let field = &fields[i];
        let candidate = match (field.flatten, struct_fields(field.shape)) {
            (true, Some(inner)) => next_field(inner, prev),
            (true, None) => None,
            (false, _) => match prev {
                Some(prev) if !str_less(prev, field.name) => None,
                _ => Some(field),
            },
        };
        if let Some(c) = candidate {
            best = match best {
                Some(b) if !str_less(c.name, b.name) => Some(b),
                _ => Some(c),
            };
        }
        i += 1;
    }
    best
}

const fn struct_fields(shape: &'static Shape) -> Option<&'static [ShapeField]> {
    match shape {
        Shape::Named(_, inner) => struct_fields(inner),
        Shape::Struct(fields) => Some(fields),
        _ => None,
    }
}

/// Variants by name after the representation's prefix, then untagged
/// variants (serde puts them last) in their order; an untagged enum has only
/// shapes, in order, since serde tries them in order.
const fn write_enum(
    mut h: Fnv,
    repr: &ShapeRepr,
    variants: &'static [ShapeVariant],
    stack: Option<&Stack<'_>>,
) -> Fnv {
    h = match repr {
        ShapeRepr::External => h.byte(b'<'),
        ShapeRepr::Internal(tag) => h.str("<#").str(tag).byte(b'|'),
        ShapeRepr::Adjacent(tag, content) => {
            h.str("<#").str(tag).byte(b'#').str(content).byte(b'|')
        }
        ShapeRepr::Untagged => h.str("<~|"),
    };
    let untagged_enum = matches!(repr, ShapeRepr::Untagged);
    let mut first = true;
    let mut prev: Option<&str> = None;
    while let Some(variant) = next_variant(variants, prev, untagged_enum) {
        if !first {
            h = h.byte(b'|');
        }
        first = false;
        h = write(h.str(variant.name).byte(b':'), variant.shape, stack);
        prev = Some(variant.name);
    }
    let mut i = 0;
    while i < variants.len() {
        let variant = &variants[i];
        if untagged_enum || variant.untagged {
            if !first {
                h = h.byte(b'|');
            }
            first = false;
            if !untagged_enum {
                h = h.str("~:");
            }
            h = write(h, variant.shape, stack);
        }
        i += 1;
    }
    h.byte(b'>')
}

/// The tagged variant with the smallest name after `prev`; none in an untagged enum.
const fn next_variant(
    variants: &'static [ShapeVariant],
    prev: Option<&str>,
    untagged_enum: bool,
) -> Option<&'static ShapeVariant> {
    if untagged_enum {
        return None;
    }
    let mut best: Option<&'static ShapeVariant> = None;
    let mut i = 0;
    while i < variants.len() {
        let v = &variants[i];
        let after = match prev {
            Some(prev) => str_less(prev, v.name),
            None => true,
        };
        if !v.untagged && after {
            best = match best {
                Some(b) if !str_less(v.name, b.name) => Some(b),
                _ => Some(v),
            };
        }
        i += 1;
    }
    best
}

const fn all_same(items: &[&Shape]) -> bool {
    let mut i = 1;
    while i < items.len() {
        if !same(items[0], items[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// Structural equality, as the tracer compares formats: named types by name.
const fn same(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Null, Shape::Null)
        | (Shape::Bool, Shape::Bool)
        | (Shape::String, Shape::String)
        | (Shape::Char, Shape::Char)
        | (Shape::Any, Shape::Any) => true,
        (Shape::Int(a), Shape::Int(b))
        | (Shape::Uint(a), Shape::Uint(b))
        | (Shape::Float(a), Shape::Float(b)) => *a == *b,
        (Shape::Option(a), Shape::Option(b)) | (Shape::Seq(a), Shape::Seq(b)) => same(a, b),
        (Shape::Map(ak, av), Shape::Map(bk, bv)) => same(ak, bk) && same(av, bv),
        (Shape::Tuple(a), Shape::Tuple(b)) | (Shape::TupleStruct(a), Shape::TupleStruct(b)) => {
            all_pairs_same(a, b)
        }
        (Shape::Array(a, n), Shape::Array(b, m)) => *n == *m && same(a, b),
        (Shape::Named(a, _), Shape::Named(b, _))
        | (Shape::Recursive(a), Shape::Recursive(b))
        | (Shape::Custom(a), Shape::Custom(b)) => str_eq(a, b),
        // Structs and enums appear only inside `Named`, compared by name above.
        _ => false,
    }
}

const fn all_pairs_same(a: &[&Shape], b: &[&Shape]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !same(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}
