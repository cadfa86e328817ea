//! [`SyncComponent`]: a type whose entries live in a server topic.

use std::collections::HashSet;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_reflection::{
    ContainerFormat, Format, Named, Registry, Tracer, TracerConfig, VariantFormat,
};

/// A type synced as the entries of the topic [`NAME`](Self::NAME).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use leptos_sync::SyncComponent;
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize)]
/// struct Task { title: String, done: bool }
///
/// impl SyncComponent for Task {
///     const NAME: &'static str = "Task";
/// }
///
/// // The hash follows the serialized shape: renaming a field changes it.
/// assert_ne!(Task::schema_hash(), 0);
/// ```
pub trait SyncComponent:
    Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static
{
    /// The stable topic name. Keep it when renaming the Rust type.
    const NAME: &'static str;

    /// A 32-bit hash of the serialized shape, sent with every `subscribe` and
    /// checked against every snapshot.
    ///
    /// The default derives it from the type's `Deserialize` impl with
    /// serde-reflection: field names, variant names and value kinds (bool,
    /// signed or unsigned integer, float, string, sequence, map, option),
    /// recursively, ignoring field order and Rust type names, since neither
    /// shows in JSON. Adding, removing, renaming or retyping a field changes
    /// it. Override it to pin a value, or when the shape cannot be traced (a
    /// hand-written `Deserialize` that rejects serde-reflection's samples; the
    /// default then falls back to the type's path).
    fn schema_hash() -> u32 {
        fnv1a(shape::<Self>().as_bytes())
    }
}

/// The canonical shape string that [`SyncComponent::schema_hash`] hashes.
pub fn shape<T: DeserializeOwned>() -> String {
    let mut tracer = Tracer::new(TracerConfig::default());
    let traced = tracer
        .trace_simple_type::<T>()
        .map_err(|e| e.to_string())
        .and_then(|(format, _)| Ok((format, tracer.registry().map_err(|e| e.to_string())?)));
    match traced {
        Ok((format, registry)) => {
            let mut out = String::new();
            write_format(&format, &registry, &mut HashSet::new(), &mut out);
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

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

fn write_format(
    format: &Format,
    registry: &Registry,
    seen: &mut HashSet<String>,
    out: &mut String,
) {
    match format {
        Format::TypeName(name) => match registry.get(name) {
            // Recursive types: the name stands for the shape already being written.
            Some(_) if seen.contains(name) => out.push_str("rec"),
            Some(container) => {
                seen.insert(name.clone());
                write_container(container, registry, seen, out);
                seen.remove(name);
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

fn write_tuple(
    items: &[Format],
    registry: &Registry,
    seen: &mut HashSet<String>,
    out: &mut String,
) {
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
    seen: &mut HashSet<String>,
    out: &mut String,
) {
    // JSON objects are unordered: so is the shape.
    let mut fields: Vec<_> = fields.iter().collect();
    fields.sort_by(|a, b| a.name.cmp(&b.name));
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
    seen: &mut HashSet<String>,
    out: &mut String,
) {
    match container {
        ContainerFormat::UnitStruct => out.push_str("null"),
        ContainerFormat::NewTypeStruct(inner) => write_format(inner, registry, seen, out),
        ContainerFormat::TupleStruct(items) => write_tuple(items, registry, seen, out),
        ContainerFormat::Struct(fields) => write_fields(fields, registry, seen, out),
        ContainerFormat::Enum(variants) => {
            let mut variants: Vec<_> = variants.values().collect();
            variants.sort_by(|a, b| a.name.cmp(&b.name));
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
