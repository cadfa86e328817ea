//! The generated impls: a `SyncShape` built from serde's view of the type
//! (parsed by `serde_derive_internals`, as `#[derive(Deserialize)]` parses
//! it), and for a component its `SyncComponent` with the hash as a `const`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use serde_derive_internals::ast::{Container, Data, Field, Style, Variant};
use serde_derive_internals::attr::TagType;
use serde_derive_internals::{Ctxt, Derive};
use syn::visit_mut::{self, VisitMut};
use syn::{DeriveInput, Ident, LitStr, Type, parse_quote};

use crate::attrs::{ContainerAttrs, FieldAttrs};

/// What every part of the expansion needs: the type's name, and the path of
/// leptos-sync (`#[sync(crate = "…")]`, or `::leptos_sync`).
struct Cx<'a> {
    ident: &'a Ident,
    krate: TokenStream,
}

/// The marker type that stands for the type itself inside its own fields.
const SELF_MARKER: &str = "__SyncSelf";

pub fn derive(input: &DeriveInput, component: bool) -> syn::Result<TokenStream> {
    let attrs = ContainerAttrs::parse(&input.attrs)?;
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input, Derive::Deserialize);
    cx.check()?;
    let Some(container) = container else {
        return Err(syn::Error::new_spanned(
            input,
            "cannot derive for this type",
        ));
    };

    let ident = &input.ident;
    let krate = match &attrs.krate {
        Some(path) => quote!(#path),
        None => quote!(::leptos_sync),
    };
    let cx = Cx {
        ident,
        krate: krate.clone(),
    };
    let named = quote!(::core::concat!(
        ::core::module_path!(),
        "::",
        ::core::stringify!(#ident)
    ));
    let shape = match &attrs.shape {
        Some(text) => quote!(&#krate::Shape::Custom(#text)),
        None => {
            let serde = &container.attrs;
            if serde.type_from().is_some()
                || serde.type_try_from().is_some()
                || serde.type_into().is_some()
            {
                return Err(syn::Error::new_spanned(
                    ident,
                    "the derive cannot see the shape of `#[serde(from, into, try_from)]`: \
                     add #[sync(shape = \"…\")] to the type",
                ));
            }
            let body = data_shape(&cx, &container)?;
            match serde.transparent() {
                true => body,
                false => quote!(&#krate::Shape::Named(#named, #body)),
            }
        }
    };

    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| parse_quote!(where));
    for param in input.generics.type_params() {
        let param = &param.ident;
        where_clause
            .predicates
            .push(parse_quote!(#param: #krate::SyncShape));
    }
    let marker = Ident::new(SELF_MARKER, ident.span());

    let component_impl = component.then(|| {
        let name = attrs
            .name
            .clone()
            .unwrap_or_else(|| LitStr::new(&ident.to_string(), ident.span()));
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::SyncComponent for #ident #ty_generics #where_clause {
                const NAME: &'static str = #name;
                fn schema_hash() -> u32 {
                    const {
                        #krate::shape_hash(
                            <Self as #krate::SyncShape>::SHAPE,
                        )
                    }
                }
            }
        }
    });

    Ok(quote! {
        const _: () = {
            #[allow(non_camel_case_types, dead_code)]
            struct #marker;
            impl #krate::SyncShape for #marker {
                const SHAPE: &'static #krate::Shape =
                    &#krate::Shape::Recursive(#named);
            }
            #[automatically_derived]
            impl #impl_generics #krate::SyncShape for #ident #ty_generics #where_clause {
                const SHAPE: &'static #krate::Shape = #shape;
            }
            #component_impl
        };
    })
}

/// The shape of the type's data, without the `Named` around it.
fn data_shape(cx: &Cx, container: &Container) -> syn::Result<TokenStream> {
    let (ident, krate) = (cx.ident, &cx.krate);
    match &container.data {
        Data::Struct(style, fields) => {
            if container.attrs.transparent() {
                let field = fields.iter().find(|f| f.attrs.transparent());
                return match field {
                    Some(field) => field_shape(cx, field),
                    None => Err(syn::Error::new_spanned(ident, "no transparent field")),
                };
            }
            style_shape(cx, *style, fields)
        }
        Data::Enum(variants) => {
            let repr = match container.attrs.tag() {
                TagType::External => quote!(External),
                TagType::Internal { tag } => quote!(Internal(#tag)),
                TagType::Adjacent { tag, content } => quote!(Adjacent(#tag, #content)),
                TagType::None => quote!(Untagged),
            };
            let variants = variants
                .iter()
                .filter(|v| !v.attrs.skip_deserializing())
                .map(|v| variant_shape(cx, v))
                .collect::<syn::Result<Vec<_>>>()?;
            Ok(quote!(&#krate::Shape::Enum(
                #krate::ShapeRepr::#repr,
                &[#(#variants),*],
            )))
        }
    }
}

fn variant_shape(cx: &Cx, variant: &Variant) -> syn::Result<TokenStream> {
    let krate = &cx.krate;
    if variant.attrs.serialize_with().is_some() || variant.attrs.deserialize_with().is_some() {
        return Err(syn::Error::new_spanned(
            &variant.ident,
            "the derive cannot see the shape `#[serde(with)]` writes: \
             give the variant's field a #[sync(shape = \"…\")] type instead",
        ));
    }
    let name = variant.attrs.name().deserialize_name();
    let shape = style_shape(cx, variant.style, &variant.fields)?;
    let untagged = variant.attrs.untagged();
    Ok(quote!(#krate::ShapeVariant {
        name: #name,
        shape: #shape,
        untagged: #untagged,
    }))
}

/// A struct's or a variant's fields: an object, items, one value, or null.
fn style_shape(cx: &Cx, style: Style, fields: &[Field]) -> syn::Result<TokenStream> {
    let krate = &cx.krate;
    let kept: Vec<_> = fields
        .iter()
        .filter(|f| !f.attrs.skip_deserializing())
        .collect();
    Ok(match style {
        Style::Unit => quote!(&#krate::Shape::Null),
        Style::Newtype => match kept.first() {
            Some(field) => field_shape(cx, field)?,
            None => quote!(&#krate::Shape::Null),
        },
        Style::Tuple => {
            let items = kept
                .iter()
                .map(|f| field_shape(cx, f))
                .collect::<syn::Result<Vec<_>>>()?;
            quote!(&#krate::Shape::TupleStruct(&[#(#items),*]))
        }
        Style::Struct => {
            let entries = kept
                .iter()
                .map(|field| {
                    let name = field.attrs.name().deserialize_name();
                    let shape = field_shape(cx, field)?;
                    let flatten = field.attrs.flatten();
                    Ok(quote!(#krate::ShapeField {
                        name: #name,
                        shape: #shape,
                        flatten: #flatten,
                    }))
                })
                .collect::<syn::Result<Vec<_>>>()?;
            quote!(&#krate::Shape::Struct(&[#(#entries),*]))
        }
    })
}

/// A field's shape: its `#[sync]` attribute, or its type's `SyncShape`, with
/// the type itself replaced by the marker that refers back to it.
fn field_shape(cx: &Cx, field: &Field) -> syn::Result<TokenStream> {
    let krate = &cx.krate;
    let attrs = FieldAttrs::parse(&field.original.attrs)?;
    let with = field.attrs.serialize_with().is_some() || field.attrs.deserialize_with().is_some();
    if with && !attrs.given() {
        return Err(syn::Error::new_spanned(
            field.original,
            "the derive cannot see the shape `#[serde(with)]` writes: \
             add #[sync(shape = \"…\")] or #[sync(opaque)] to the field",
        ));
    }
    if let Some(text) = attrs.shape {
        return Ok(quote!(&#krate::Shape::Custom(#text)));
    }
    if attrs.opaque {
        // Without whitespace, so that how a compiler prints tokens cannot change it.
        let written: String = field
            .ty
            .to_token_stream()
            .to_string()
            .split_whitespace()
            .collect();
        let text = format!("opaque:{written}");
        return Ok(quote!(&#krate::Shape::Custom(#text)));
    }
    let mut ty = field.ty.clone();
    SelfToMarker { ident: cx.ident }.visit_type_mut(&mut ty);
    Ok(quote!(<#ty as #krate::SyncShape>::SHAPE))
}

/// Replaces `Self` and the type's own name in a field type by the marker, so
/// that a recursive type's constant does not refer to itself.
struct SelfToMarker<'a> {
    ident: &'a Ident,
}

impl VisitMut for SelfToMarker<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.leading_colon.is_none()
            && path.path.segments.len() == 1
        {
            let name = &path.path.segments[0].ident;
            if name == self.ident || name == "Self" {
                let marker = Ident::new(SELF_MARKER, name.span());
                *ty = parse_quote!(#marker);
                return;
            }
        }
        visit_mut::visit_type_mut(self, ty);
    }
}
