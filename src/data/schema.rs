//! The traced schema hash (feature `schema-reflection`): the shape of a type,
//! read from its `Deserialize` impl with serde-reflection.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_reflection::{
    ContainerFormat, Format, Named, Registry, Tracer, TracerConfig, VariantFormat,
};

/// The schema hash traced at run time (opt-in feature `schema-reflection`),
/// and then the default of a hand-written
/// [`SyncComponent::schema_hash`](crate::SyncComponent::schema_hash): an
/// FNV-1a hash of the type's shape as JSON sees it, traced from its
/// `Deserialize` impl. Where it can trace a type, it equals what
/// `#[derive(SyncComponent)]` computes at compile time
/// ([`shape_hash`](crate::shape_hash)), so an app can move between the two
/// without a schema mismatch.
///
/// ## Usage
///
/// Field order and Rust names do not show in JSON, so they do not count:
///
/// ```
/// use leptos_sync::traced_schema_hash;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Task { title: String, done: bool }
/// #[derive(Deserialize)]
/// struct Chore { done: bool, title: String }
/// #[derive(Deserialize)]
/// struct Dated { title: String, done: bool, due: Option<u64> }
///
/// assert_eq!(traced_schema_hash::<Task>(), traced_schema_hash::<Chore>());
/// assert_ne!(traced_schema_hash::<Task>(), traced_schema_hash::<Dated>());
/// ```
pub fn traced_schema_hash<T: DeserializeOwned>() -> u32 {
    fnv1a(shape::<T>().as_bytes())
}

/// The canonical shape string that [`traced_schema_hash`] hashes. Crate-private:
/// its format is fixed only through the hashes it gives.
pub(crate) fn shape<T: DeserializeOwned>() -> String {
    match trace::<T>() {
        Ok((format, registry)) => {
            let mut out = String::new();
            write_format(&format, &registry, &mut Vec::new(), &mut out);
            out
        }
        Err(error) => {
            log::warn!(
                "leptos-sync: cannot trace {}: {error}",
                std::any::type_name::<T>()
            );
            format!("type:{}", std::any::type_name::<T>())
        }
    }
}

/// Passes over `T` allowed for discovering the variants of its inner enums.
const MAX_PASSES: usize = 256;

/// Traces `T` with every variant of every enum in it.
///
/// serde-reflection's `trace_simple_type` completes only an enum at the top:
/// an enum inside a struct keeps the one variant of the first pass, and
/// `registry()` fails, so every struct with an enum field used to fall back to
/// its type path. So: trace again, clearing the "incomplete" mark of the enums
/// the registry named, until none is left. An enum the tracer does not visit
/// again (inside an `Option`, a sequence or a map, which it explores only once)
/// stays half traced; that is detected and falls back as before.
fn trace<T: DeserializeOwned>() -> Result<(Format, Registry), String> {
    let mut enums = BTreeSet::new();
    loop {
        let mut tracer = Tracer::new(TracerConfig::default());
        let mut format = Format::Unit;
        for _ in 0..MAX_PASSES {
            format = tracer
                .trace_simple_type::<T>()
                .map_err(|e| e.to_string())?
                .0;
            // Not short-circuited: each check clears a mark so the next pass goes on.
            let marked = enums
                .iter()
                .filter(|name: &&String| tracer.check_incomplete_enum(name).is_some());
            if marked.count() == 0 {
                break;
            }
        }
        match tracer.registry() {
            Ok(registry) => {
                // A fully traced enum has its variants at indices 0..n; one still
                // waiting for more passes has some at provisional indices.
                let half = registry.iter().find(|(_, c)| match c {
                    ContainerFormat::Enum(variants) => {
                        !variants.keys().copied().eq(0..variants.len() as u32)
                    }
                    _ => false,
                });
                return match half {
                    Some((name, _)) => Err(format!("cannot reach every variant of {name}")),
                    None => Ok((format, registry)),
                };
            }
            Err(serde_reflection::Error::MissingVariants(names))
                if names.iter().any(|name| !enums.contains(name)) =>
            {
                enums.extend(names);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

fn write_format(format: &Format, registry: &Registry, seen: &mut Vec<String>, out: &mut String) {
    match format {
        Format::TypeName(name) => match registry.get(name) {
            // Recursive types: refer to the enclosing shape by its depth, not by
            // a bare marker, or two mutually recursive types that differ only in
            // which one recurses where would get the same shape.
            Some(_) if seen.contains(name) => {
                let depth = seen.iter().position(|n| n == name).unwrap_or_default();
                out.push_str(&format!("rec{depth}"));
            }
            Some(container) => {
                seen.push(name.clone());
                write_container(container, registry, seen, out);
                seen.pop();
            }
            None => out.push('?'),
        },
        Format::Variable(_) => out.push('?'),
        Format::Unit => out.push_str("null"),
        Format::Bool => out.push_str("bool"),
        Format::I8 | Format::I16 | Format::I32 | Format::I64 | Format::I128 => out.push_str("int"),
        Format::U8 | Format::U16 | Format::U32 | Format::U64 | Format::U128 => out.push_str("uint"),
        Format::F32 | Format::F64 => out.push_str("float"),
        Format::Char | Format::Str => out.push_str("string"),
        Format::Bytes => out.push_str("bytes"),
        Format::Option(inner) => {
            write_format(inner, registry, seen, out);
            out.push('?');
        }
        Format::Seq(inner) => {
            out.push('[');
            write_format(inner, registry, seen, out);
            out.push(']');
        }
        Format::Map { key, value } => {
            out.push('{');
            write_format(key, registry, seen, out);
            out.push(':');
            write_format(value, registry, seen, out);
            out.push('}');
        }
        Format::Tuple(items) => write_tuple(items, registry, seen, out),
        Format::TupleArray { content, size } => {
            out.push('[');
            write_format(content, registry, seen, out);
            out.push_str(&format!(";{size}]"));
        }
    }
}

fn write_tuple(items: &[Format], registry: &Registry, seen: &mut Vec<String>, out: &mut String) {
    out.push('(');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_format(item, registry, seen, out);
    }
    out.push(')');
}

fn write_fields(
    fields: &[Named<Format>],
    registry: &Registry,
    seen: &mut Vec<String>,
    out: &mut String,
) {
    // JSON objects are unordered: so is the shape.
    let mut fields: Vec<_> = fields.iter().collect();
    fields.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    out.push('{');
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field.name);
        out.push(':');
        write_format(&field.value, registry, seen, out);
    }
    out.push('}');
}

fn write_container(
    container: &ContainerFormat,
    registry: &Registry,
    seen: &mut Vec<String>,
    out: &mut String,
) {
    match container {
        ContainerFormat::UnitStruct => out.push_str("null"),
        ContainerFormat::NewTypeStruct(inner) => write_format(inner, registry, seen, out),
        ContainerFormat::TupleStruct(items) => write_tuple(items, registry, seen, out),
        ContainerFormat::Struct(fields) => write_fields(fields, registry, seen, out),
        ContainerFormat::Enum(variants) => {
            let mut variants: Vec<_> = variants.values().collect();
            variants.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            out.push('<');
            for (i, variant) in variants.into_iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                out.push_str(&variant.name);
                out.push(':');
                match &variant.value {
                    VariantFormat::Unit => out.push_str("null"),
                    VariantFormat::NewType(inner) => write_format(inner, registry, seen, out),
                    VariantFormat::Tuple(items) => write_tuple(items, registry, seen, out),
                    VariantFormat::Struct(fields) => write_fields(fields, registry, seen, out),
                    VariantFormat::Variable(_) => out.push('?'),
                }
            }
            out.push('>');
        }
    }
}

#[cfg(test)]
mod tests;
