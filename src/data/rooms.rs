//! Topics with a reactive parameter (`Task:<board>`): the subscription
//! follows the parameter, and the returned signals follow the subscription
//! without a frame of the old parameter's data.
//!
//! The switch is made in an [`ImmediateEffect`], synchronously inside the
//! parameter's `set`: the new topic is joined (its store exists and is held)
//! and the old one left before anything can read the returned signals. Those
//! are memos of the current topic's store, so the first read after the
//! change already reads the new topic. An `Effect` would run a tick later,
//! and a render in between would show the old board under the new name.

use std::sync::{Arc, Mutex, PoisonError};

use leptos::prelude::*;
use leptos::reactive::effect::ImmediateEffect;
use leptos_sync_protocol::topic;

use crate::data::access::{DataAccess, REFUSED};
use crate::data::component::SyncComponent;
use crate::data::entries::SyncEntries;

impl DataAccess {
    /// Joins `T::NAME:<param>` for the current component's lifetime,
    /// following `param`.
    pub fn acquire_in<T: SyncComponent>(&self, param: Signal<String>) -> SyncEntries<T> {
        let Some(schema) = self.schema::<T>() else {
            return self.refuse(Self::not_registered::<T>());
        };
        let topic = Memo::new(move |_| param.with(|p| topic::join(T::NAME, p)));
        // The topic this component holds one use of; `None` if it was refused.
        let held: Arc<Mutex<Option<String>>> = Arc::default();
        let hold = {
            let access = self.clone();
            let held = Arc::clone(&held);
            move || {
                let next = topic.get();
                if lock(&held).as_deref() == Some(next.as_str()) {
                    return;
                }
                // Outside the lock: a dispatch may call back into the reactive graph.
                let joined = match access.join::<T>(&next, schema) {
                    Some(_) => Some(next),
                    None => {
                        access.report(Self::name_taken::<T>(&next));
                        None
                    }
                };
                let old = std::mem::replace(&mut *lock(&held), joined);
                if let Some(old) = old {
                    access.leave(old);
                }
            }
        };
        // Like the parameterless `acquire`, it subscribes in server rendering too.
        let effect = ImmediateEffect::new_isomorphic(hold);
        let access = self.clone();
        on_cleanup(move || {
            drop(effect); // stops following the parameter
            if let Some(topic) = lock(&held).take() {
                access.leave(topic);
            }
        });
        let stores = self.stores;
        let store = move || topic.with(|t| stores.try_with_value(|s| s.get::<T>(t)).flatten());
        let entries = Memo::new(move |_| store().map(|s| s.entries.get()).unwrap_or_default());
        let state = Memo::new(move |_| store().map_or(REFUSED, |s| s.state.get()));
        let undecodable =
            Memo::new(move |_| store().map(|s| s.undecodable.get()).unwrap_or_default());
        SyncEntries {
            entries: entries.into(),
            state: state.into(),
            undecodable: undecodable.into(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
