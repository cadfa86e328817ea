//! The SSR half of the example: renders [`App`] to HTML with leptos's
//! hydration scripts, and serves the wasm that hydrates it.
//!
//! ```text
//! leptos-sync-hydrate --port 0 --sync-url ws://127.0.0.1:9000/ws --pkg target/hydrate-pkg
//! ```
//! `--pkg` is the `wasm-bindgen --target web` output of this crate built
//! with `--features hydrate` for wasm32 (`scripts/test e2e` builds it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use clap::Parser;
use leptos::config::LeptosOptions;
use leptos::hydration::HydrationScripts;
use leptos::prelude::*;
use leptos_sync::{WIDGET_STYLE_ID, WIDGET_STYLES};
use leptos_sync_example_hydrate::{App, URL_META};
use tower_http::services::ServeDir;

/// Where the wasm and its JS glue are served from, as `HydrationScripts` asks for them.
const PKG_DIR: &str = "pkg";
/// The name wasm-bindgen gives this crate's output (`<name>.js`, `<name>_bg.wasm`).
const OUTPUT_NAME: &str = "leptos_sync_example_hydrate";

#[derive(Parser)]
struct Args {
    /// The port to listen on (0: any free one), on 127.0.0.1.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The sync server's WebSocket URL, rendered into the page.
    #[arg(long)]
    sync_url: String,
    /// The wasm-bindgen output (`--target web`) of the hydrate build.
    #[arg(long)]
    pkg: PathBuf,
}

/// The whole document: the widgets' stylesheet and the hydration scripts in
/// the head, the server's render of [`App`] as the body.
fn shell(options: LeptosOptions, url: String) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name=URL_META content=url.clone()/>
                <title>"leptos-sync: SSR + hydrate"</title>
                // No favicon request (a 404 in the console).
                <link rel="icon" href="data:,"/>
                // Styled before the wasm runs; the client finds it by its id.
                <style id=WIDGET_STYLE_ID>{WIDGET_STYLES}</style>
                <HydrationScripts options/>
            </head>
            <body>
                <App url/>
            </body>
        </html>
    }
}

/// Renders the page under a fresh SSR owner, as a server integration does.
fn render(options: LeptosOptions, url: String) -> String {
    let owner = Owner::new_root(Some(Arc::new(hydration_context::SsrSharedContext::new())));
    owner.with(|| shell(options, url).to_html())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_pkg_dir(PKG_DIR)
        .build();
    let url = args.sync_url;
    let app = Router::new()
        .route(
            "/",
            get(move || {
                let (options, url) = (options.clone(), url.clone());
                async move { Html(render(options, url)) }
            }),
        )
        .nest_service(&format!("/{PKG_DIR}"), ServeDir::new(args.pkg));
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    // The test harness waits for this line.
    println!(
        "leptos-sync-hydrate listening on {}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}
