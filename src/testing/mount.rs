//! [`MockServer::mount`]: an app under a [`MockSyncProvider`] in a `<div>` of
//! its own, with what a test reads of it; unmounted when dropped.

use std::any::Any;

use default_struct_builder::DefaultBuilder;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{MockServer, MockSyncProvider};
use crate::{SyncContext, SyncOptions, SyncRegistry, use_sync_context};

/// Options of [`MockServer::mount_with_options`], in leptos-use builder style:
/// the props of the [`MockSyncProvider`] around the app.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::testing::{MockMountOptions, MockServer};
/// use leptos_sync::{ConnectionIndicator, SyncOptions};
///
/// # async fn demo() {
/// let server = MockServer::default();
/// let options = MockMountOptions::default()
///     .auto_connect(false)
///     .options(SyncOptions::default().heartbeat_interval_ms(10_000));
/// let app = server.mount_with_options(|| view! { <ConnectionIndicator/> }, options).await;
/// assert!(app.find(".ls-indicator--idle").is_some());
/// # }
/// ```
#[derive(Clone, DefaultBuilder)]
pub struct MockMountOptions {
    /// The typed components the app syncs. Default: none.
    registry: SyncRegistry,
    /// Reconnect, heartbeat, auth and observer options. Default: the defaults.
    options: SyncOptions,
    /// Connect on mount. Default `true`.
    auto_connect: bool,
}

impl Default for MockMountOptions {
    fn default() -> Self {
        Self {
            registry: SyncRegistry::new(),
            options: SyncOptions::default(),
            auto_connect: true,
        }
    }
}

/// An app mounted by [`MockServer::mount`]: its root element and the
/// provider's context. Dropping it unmounts the app (which ends its virtual
/// time) and removes the root.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::testing::MockServer;
/// use leptos_sync::ReconnectBanner;
///
/// # async fn demo() {
/// let server = MockServer::default();
/// let app = server.mount(|| view! { <ReconnectBanner/> }).await;
/// assert!(app.ctx.connection.state.get_untracked().is_open());
/// server.close(1006, "");
/// server.advance(1_000).await;
/// assert!(app.find(".ls-reconnect-banner").is_some());
/// app.click(".ls-reconnect-banner__retry");
/// # }
/// ```
pub struct MockApp {
    /// The provider's context: what the app's hooks see.
    pub ctx: SyncContext,
    /// The `<div>` the app is mounted in, at the end of `<body>`.
    pub root: web_sys::Element,
    handle: Option<Box<dyn Any>>,
}

impl MockApp {
    /// The app's text, as a user reads it.
    pub fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    /// The app's first element matching `selector`, if any.
    ///
    /// # Panics
    /// When `selector` is not a valid CSS selector.
    #[track_caller]
    pub fn find(&self, selector: &str) -> Option<web_sys::Element> {
        self.root
            .query_selector(selector)
            .unwrap_or_else(|_| panic!("not a valid CSS selector: {selector:?}"))
    }

    /// The text of every element of the app matching `selector`, in document order.
    ///
    /// # Panics
    /// When `selector` is not a valid CSS selector.
    #[track_caller]
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let all = self
            .root
            .query_selector_all(selector)
            .unwrap_or_else(|_| panic!("not a valid CSS selector: {selector:?}"));
        (0..all.length())
            .filter_map(|i| all.item(i))
            .map(|node| node.text_content().unwrap_or_default())
            .collect()
    }

    /// Clicks the app's first element matching `selector`.
    ///
    /// # Panics
    /// When nothing matches.
    #[track_caller]
    pub fn click(&self, selector: &str) {
        let Some(element) = self.find(selector) else {
            panic!("MockApp::click: nothing matches {selector:?}");
        };
        element.unchecked_into::<web_sys::HtmlElement>().click();
    }
}

impl Drop for MockApp {
    fn drop(&mut self) {
        self.handle.take(); // unmounts
        self.root.remove();
    }
}

impl MockServer {
    /// Mounts `app` under a [`MockSyncProvider`] on this server, in a new
    /// `<div>` at the end of `<body>`, and settles: the handshake is done and
    /// the app's subscriptions are sent when it returns.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::testing::MockServer;
    /// use leptos_sync::ErrorBanner;
    ///
    /// # async fn demo() {
    /// let server = MockServer::default();
    /// let app = server.mount(|| view! { <ErrorBanner/> }).await;
    /// server.error("internal", "it broke");
    /// server.settle().await;
    /// assert!(app.text().contains("it broke"));
    /// # }
    /// ```
    pub async fn mount<V, F>(&self, app: F) -> MockApp
    where
        V: IntoView + 'static,
        F: Fn() -> V + Send + Sync + 'static,
    {
        self.mount_with_options(app, MockMountOptions::default())
            .await
    }

    /// [`mount`](Self::mount) with the provider's props (see
    /// [`MockMountOptions`] for an example).
    ///
    /// # Panics
    /// Off the browser (no `document`).
    pub async fn mount_with_options<V, F>(&self, app: F, options: MockMountOptions) -> MockApp
    where
        V: IntoView + 'static,
        F: Fn() -> V + Send + Sync + 'static,
    {
        let MockMountOptions {
            registry,
            options,
            auto_connect,
        } = options;
        let root = document()
            .create_element("div")
            .expect("a <div> can be created");
        document()
            .body()
            .expect("the page has a <body>")
            .append_child(&root)
            .expect("a <div> can be appended");
        let (ctx, server) = (RwSignal::new(None::<SyncContext>), self.clone());
        let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
            view! {
                <MockSyncProvider
                    server=server.clone()
                    registry=registry.clone()
                    options=options.clone()
                    auto_connect=auto_connect
                >
                    {ctx.set(Some(use_sync_context()))}
                    {app()}
                </MockSyncProvider>
            }
        });
        let ctx = ctx
            .get_untracked()
            .expect("the provider's context was captured");
        self.settle().await;
        MockApp {
            ctx,
            root,
            handle: Some(Box::new(handle)),
        }
    }
}
