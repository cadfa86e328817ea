//! `#[derive(SyncEvent)]`: the event's name, from the type or `#[sync(name = "…")]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::ContainerAttrs;

pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let attrs = ContainerAttrs::parse(&input.attrs)?;
    if let Some(shape) = &attrs.shape {
        return Err(syn::Error::new_spanned(
            shape,
            "an event has no schema: only `name` and `crate` apply",
        ));
    }
    let ident = &input.ident;
    let krate = match &attrs.krate {
        Some(path) => quote!(#path),
        None => quote!(::leptos_sync),
    };
    let name = match &attrs.name {
        Some(name) => quote!(#name),
        None => {
            let name = ident.to_string();
            quote!(#name)
        }
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #krate::SyncEvent for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
        }
    })
}
