//! Hooks: one file per hook.

mod use_sync_component;
mod use_sync_component_in;
mod use_sync_connection;
mod use_sync_context;
mod use_sync_entity;
mod use_sync_entity_in;
mod use_sync_event;
mod use_sync_mutation;
mod use_sync_mutation_in;

pub use use_sync_component::use_sync_component;
pub use use_sync_component_in::use_sync_component_in;
pub use use_sync_connection::use_sync_connection;
pub use use_sync_context::use_sync_context;
pub use use_sync_entity::use_sync_entity;
pub use use_sync_entity_in::use_sync_entity_in;
pub use use_sync_event::use_sync_event;
pub use use_sync_mutation::{
    UseSyncMutationReturn, use_sync_mutation, use_sync_mutation_with_options,
};
pub use use_sync_mutation_in::{use_sync_mutation_in, use_sync_mutation_in_with_options};
