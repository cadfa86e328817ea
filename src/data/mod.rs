//! The data layer: typed stores per topic, the registry of component types,
//! mutation handles, and the provider's data access shared with the hooks.

pub(crate) mod access;
pub(crate) mod component;
pub(crate) mod entries;
pub(crate) mod events;
pub(crate) mod mutations;
pub(crate) mod registry;
pub(crate) mod requests;
pub(crate) mod rooms;
#[cfg(feature = "schema-reflection")]
pub(crate) mod schema;
pub(crate) mod shape;
pub(crate) mod store;
pub(crate) mod undecodable;
