use std::marker::PhantomData;

use leptos::prelude::*;

use crate::data::component::SyncComponent;
use crate::data::mutations::{MutateOptions, MutationHandle};
use crate::provider::{SyncContext, expect_sync_context};

/// Changes entries of topic `T::NAME`, as returned by [`use_sync_mutation`]
/// (or of `T::NAME:<param>`, as returned by
/// [`use_sync_mutation_in`](crate::use_sync_mutation_in)).
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String, done: bool }
///
/// #[component]
/// fn Row(key: String) -> impl IntoView {
///     let tasks: UseSyncMutationReturn<Task> = use_sync_mutation::<Task>();
///     view! { <button on:click=move |_| { tasks.remove(key.clone()); }>"Delete"</button> }
/// }
/// ```
pub struct UseSyncMutationReturn<T> {
    ctx: SyncContext,
    options: MutateOptions,
    /// The topic's parameter, read when a mutation is made; `None`: `T::NAME`.
    pub(crate) param: Option<Signal<String>>,
    _type: PhantomData<fn(T)>,
}

impl<T> Clone for UseSyncMutationReturn<T> {
    fn clone(&self) -> Self {
        Self {
            ctx: self.ctx.clone(),
            options: self.options,
            param: self.param,
            _type: PhantomData,
        }
    }
}

impl<T: SyncComponent> UseSyncMutationReturn<T> {
    /// Sets entry `key` to `value`.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn Add() -> impl IntoView {
    ///     let tasks = use_sync_mutation::<Task>();
    ///     let add = move |_| {
    ///         let handle = tasks.set("t2", Task { title: "Ship it".into(), done: false });
    ///         log::info!("status: {:?}", handle.status.get_untracked()); // Queued or Sent
    ///     };
    ///     view! { <button on:click=add>"Add"</button> }
    /// }
    /// ```
    pub fn set(&self, key: impl Into<String>, value: T) -> MutationHandle {
        self.mutate(key.into(), Some(value))
    }

    /// Removes entry `key`.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn Clear(key: String) -> impl IntoView {
    ///     let tasks = use_sync_mutation::<Task>();
    ///     view! { <button on:click=move |_| { tasks.remove(key.clone()); }>"Remove"</button> }
    /// }
    /// ```
    pub fn remove(&self, key: impl Into<String>) -> MutationHandle {
        self.mutate(key.into(), None)
    }

    fn mutate(&self, key: String, value: Option<T>) -> MutationHandle {
        match self.param {
            Some(param) => param.with_untracked(|param| {
                self.ctx
                    .mutate_in_with_options(param, key, value, self.options)
            }),
            None => self.ctx.mutate_with_options(key, value, self.options),
        }
    }
}

/// Mutations of topic `T::NAME` with default options; see [`use_sync_mutation_with_options`].
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{MutationStatus, SyncComponent, use_sync_mutation};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String, done: bool }
///
/// #[component]
/// fn AddTask() -> impl IntoView {
///     let tasks = use_sync_mutation::<Task>();
///     let (status, set_status) = signal(None::<MutationStatus>);
///     let add = move |_| {
///         let handle = tasks.set("t1", Task { title: "Write docs".into(), done: false });
///         set_status.set(Some(handle.status.get_untracked()));
///     };
///     view! { <button on:click=add>"Add"</button> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_mutation<T: SyncComponent>() -> UseSyncMutationReturn<T> {
    use_sync_mutation_with_options(MutateOptions::default())
}

/// Mutations of topic `T::NAME`. Each returns a [`MutationHandle`] whose
/// status goes Queued → Sent → Acked{seq}, or Failed{error}. With
/// `optimistic`, the value shows at once and is rolled back on failure.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String, done: bool }
///
/// #[component]
/// fn QuickAdd() -> impl IntoView {
///     // Optimistic: the new task shows at once and disappears again if refused.
///     let tasks = use_sync_mutation_with_options::<Task>(MutateOptions { optimistic: true, ..Default::default() });
///     view! { <button on:click=move |_| { tasks.set("t3", Task { title: "Draft".into(), done: false }); }>"Add"</button> }
/// }
/// ```
pub fn use_sync_mutation_with_options<T: SyncComponent>(
    options: MutateOptions,
) -> UseSyncMutationReturn<T> {
    UseSyncMutationReturn {
        ctx: expect_sync_context("use_sync_mutation"),
        options,
        param: None,
        _type: PhantomData,
    }
}
