//! The `#[sync(...)]` attributes.

use syn::{Attribute, LitStr, Path};

/// `#[sync(name = "…", shape = "…", crate = "…")]` on the type.
#[derive(Default)]
pub struct ContainerAttrs {
    pub name: Option<LitStr>,
    pub shape: Option<LitStr>,
    pub krate: Option<Path>,
}

/// `#[sync(shape = "…")]` or `#[sync(opaque)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    pub shape: Option<LitStr>,
    pub opaque: bool,
}

impl ContainerAttrs {
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("sync")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    out.name = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("shape") {
                    out.shape = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("crate") {
                    let path: LitStr = meta.value()?.parse()?;
                    out.krate = Some(path.parse()?);
                } else {
                    return Err(
                        meta.error("expected `name = \"…\"`, `shape = \"…\"` or `crate = \"…\"`")
                    );
                }
                Ok(())
            })?;
        }
        Ok(out)
    }
}

impl FieldAttrs {
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("sync")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("shape") {
                    out.shape = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("opaque") {
                    out.opaque = true;
                } else {
                    return Err(meta.error("expected `shape = \"…\"` or `opaque`"));
                }
                Ok(())
            })?;
            if out.shape.is_some() && out.opaque {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`shape` and `opaque` exclude each other",
                ));
            }
        }
        Ok(out)
    }

    pub fn given(&self) -> bool {
        self.shape.is_some() || self.opaque
    }
}
