//! Fault injection: buttons that call the reference server's `/control`
//! endpoints (enabled with `--control`) on the page's own origin.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// A fault the panel can inject: button id, label, endpoint (path + query), body.
struct Fault {
    id: &'static str,
    label: &'static str,
    endpoint: &'static str,
    body: Option<&'static str>,
}

const FAULTS: &[Fault] = &[
    Fault {
        id: "fault-drop",
        label: "Drop connection",
        endpoint: "/control/drop",
        body: None,
    },
    Fault {
        id: "fault-refuse",
        label: "Refuse 10 s",
        endpoint: "/control/refuse?ms=10000",
        body: None,
    },
    Fault {
        id: "fault-mute-pings",
        label: "Mute pings",
        endpoint: "/control/mute_pings?on=true",
        body: None,
    },
    Fault {
        id: "fault-bad-frame",
        label: "Send bad frame",
        endpoint: "/control/send",
        body: Some(r#"{"type":"bogus"}"#),
    },
    Fault {
        id: "fault-close-4401",
        label: "Close 4401",
        endpoint: "/control/close?code=4401&reason=unauthorized",
        body: None,
    },
    Fault {
        id: "fault-reset",
        label: "Reset faults",
        endpoint: "/control/reset",
        body: None,
    },
];

/// POSTs to a control endpoint; returns the response text or a readable error.
async fn post(endpoint: &str, body: Option<&str>) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method("POST");
    if let Some(body) = body {
        init.set_body(&body.into());
    }
    let js = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let resp = JsFuture::from(window.fetch_with_str_and_init(endpoint, &init))
        .await
        .map_err(js)?;
    let resp: Response = resp.dyn_into().map_err(js)?;
    let text = JsFuture::from(resp.text().map_err(js)?).await.map_err(js)?;
    let text = text.as_string().unwrap_or_default();
    if resp.ok() {
        Ok(text)
    } else {
        Err(format!("HTTP {}: {text}", resp.status()))
    }
}

/// The buttons, and the result of the last one pressed.
#[component]
pub fn FaultPanel() -> impl IntoView {
    let result = RwSignal::new(String::from("–"));
    let failed = RwSignal::new(false);

    let buttons = FAULTS
        .iter()
        .map(|f| {
            let (label, endpoint, body) = (f.label, f.endpoint, f.body);
            let on_click = move |_| {
                result.set(format!("{label}…"));
                spawn_local(async move {
                    let outcome = post(endpoint, body).await;
                    failed.set(outcome.is_err());
                    result.set(match outcome {
                        Ok(text) => format!("{label}: {text}"),
                        Err(e) => format!("{label} failed: {e}"),
                    });
                });
            };
            view! {
                <button id=f.id type="button" class="fault" on:click=on_click>
                    {label}
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="panel" aria-labelledby="faults-title">
            <h2 id="faults-title">"Faults"</h2>
            <p class="panel__hint">"Needs the server's " <code>"--control"</code> " flag."</p>
            <div class="actions actions--grid">{buttons}</div>
            <output id="fault-result" class="fault-result" data-failed=move || failed.get().to_string()>
                {move || result.get()}
            </output>
        </section>
    }
}
