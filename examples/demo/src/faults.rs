//! Fault injection: buttons that call the reference server's `/control`
//! endpoints (enabled with `--control`) on the page's own origin, plus a
//! simulated browser offline/online switch.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// A server error whose message carries markup: it must show as text.
const MARKUP_ERROR: &str = r#"{"type":"error","code":"demo","message":"Server says <img src=x onerror=alert(1)> <b>hi</b>"}"#;

/// A one-shot fault: button id, label, what it does, endpoints (path + query) called in
/// order, and the body of each call.
struct Fault {
    id: &'static str,
    label: &'static str,
    help: &'static str,
    endpoints: &'static [&'static str],
    body: Option<&'static str>,
}

const FAULTS: &[Fault] = &[
    Fault {
        id: "fault-drop",
        label: "Drop connection",
        help: "The server cuts every socket without a close frame (1006).",
        endpoints: &["/control/drop"],
        body: None,
    },
    Fault {
        id: "fault-refuse",
        label: "Refuse 10 s",
        help: "Drops the connection, and new ones get HTTP 503 for 10 s.",
        endpoints: &["/control/refuse?ms=10000", "/control/drop"],
        body: None,
    },
    Fault {
        id: "fault-restart",
        label: "Restart server",
        help: "Like a process restart: sockets die, topics and history are wiped.",
        endpoints: &["/control/restart"],
        body: None,
    },
    Fault {
        id: "fault-kill-node",
        label: "Kill this node",
        help: "Ends the server process at once, like SIGKILL (1006). scripts/demo restarts it \
               a second later; with --nodes, pages on the other nodes go on meanwhile.",
        endpoints: &["/control/crash"],
        body: None,
    },
    Fault {
        id: "fault-bad-frame",
        label: "Send bad frame",
        help: "A frame of an unknown type: a typed error, the connection stays.",
        endpoints: &["/control/send"],
        body: Some(r#"{"type":"bogus"}"#),
    },
    Fault {
        id: "fault-markup-error",
        label: "Error with markup",
        help: "An error message holding <img onerror=…>: shown as text.",
        endpoints: &["/control/send"],
        body: Some(MARKUP_ERROR),
    },
    Fault {
        id: "fault-close-4401",
        label: "Close 4401",
        help: "Closes as unauthorized: no retry until Retry is pressed.",
        endpoints: &["/control/close?code=4401&reason=unauthorized"],
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

/// Dispatches a plain `online` or `offline` event on `window`, as the browser
/// does when the network comes and goes. The provider listens for them.
fn dispatch_window_event(name: &str) {
    if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new(name)) {
        let _ = window.dispatch_event(&event);
    }
}

/// The buttons, and the result of the last one pressed.
#[component]
pub fn FaultPanel() -> impl IntoView {
    let result = RwSignal::new(String::from("–"));
    let failed = RwSignal::new(false);
    let muted = RwSignal::new(false);
    let rejecting = RwSignal::new(false);
    let offline = RwSignal::new(false);

    // Calls the endpoints in order, reporting in the result line; `after` runs on success.
    let call = move |label: &'static str,
                     endpoints: Vec<String>,
                     body: Option<&'static str>,
                     after: Option<Box<dyn FnOnce()>>| {
        result.set(format!("{label}…"));
        spawn_local(async move {
            let mut outcome = Ok(String::new());
            for endpoint in &endpoints {
                outcome = post(endpoint, body).await;
                if outcome.is_err() {
                    break;
                }
            }
            failed.set(outcome.is_err());
            match outcome {
                Ok(text) => {
                    if let Some(after) = after {
                        after();
                    }
                    result.set(format!("{label}: {text}"));
                }
                Err(e) => result.set(format!("{label} failed: {e}")),
            }
        });
    };

    let buttons = FAULTS
        .iter()
        .map(|f| {
            let (label, endpoints, body) = (f.label, f.endpoints, f.body);
            view! {
                <button
                    id=f.id
                    type="button"
                    class="fault"
                    title=f.help
                    on:click=move |_| {
                        let endpoints = endpoints.iter().map(|e| (*e).to_owned()).collect();
                        call(label, endpoints, body, None)
                    }
                >
                    {label}
                </button>
            }
        })
        .collect_view();

    let toggle = move |flag: RwSignal<bool>, label: &'static str, path: &'static str| {
        let on = !flag.get_untracked();
        let after: Box<dyn FnOnce()> = Box::new(move || flag.set(on));
        call(label, vec![format!("{path}?on={on}")], None, Some(after));
    };
    let toggle_offline = move |_| {
        let now_offline = !offline.get_untracked();
        offline.set(now_offline);
        dispatch_window_event(if now_offline { "offline" } else { "online" });
        failed.set(false);
        result.set(format!(
            "Dispatched a window “{}” event",
            if now_offline { "offline" } else { "online" }
        ));
    };
    let reset = move |_| {
        let after: Box<dyn FnOnce()> = Box::new(move || {
            muted.set(false);
            rejecting.set(false);
        });
        call(
            "Reset faults",
            vec!["/control/reset".into()],
            None,
            Some(after),
        );
    };

    view! {
        <section class="panel faults" aria-labelledby="faults-title">
            <h2 id="faults-title">"Faults"</h2>
            <p class="panel__hint">
                "Break things and watch the widgets. Needs the server's " <code>"--control"</code> " flag."
            </p>
            <div class="actions actions--grid">
                {buttons}
                <button
                    id="fault-mute-pings"
                    type="button"
                    class="fault fault--toggle"
                    title="The server stops answering pings: the heartbeat notices within seconds."
                    aria-pressed=move || muted.get().to_string()
                    on:click=move |_| toggle(muted, "Mute pings", "/control/mute_pings")
                >
                    {move || if muted.get() { "Unmute pings" } else { "Mute pings" }}
                </button>
                <button
                    id="fault-reject-auth"
                    type="button"
                    class="fault fault--toggle"
                    title="Every hello is closed with 4401 until this is switched off."
                    aria-pressed=move || rejecting.get().to_string()
                    on:click=move |_| toggle(rejecting, "Reject auth", "/control/reject_auth")
                >
                    {move || if rejecting.get() { "Accept auth" } else { "Reject auth" }}
                </button>
                <button
                    id="fault-offline"
                    type="button"
                    class="fault fault--toggle"
                    title="Dispatches window offline/online events; the network itself stays up."
                    aria-pressed=move || offline.get().to_string()
                    on:click=toggle_offline
                >
                    {move || if offline.get() { "Go online" } else { "Go offline" }}
                </button>
                <button id="fault-reset" type="button" class="fault fault--reset" on:click=reset>
                    "Reset faults"
                </button>
            </div>
            <p class="panel__hint panel__hint--below">
                "“Go offline” only dispatches the browser’s " <code>"offline"</code> " / " <code>"online"</code>
                " events, for a demo; the network stays up. Real offline: your browser’s devtools."
            </p>
            <output id="fault-result" class="fault-result" data-failed=move || failed.get().to_string()>
                {move || result.get()}
            </output>
        </section>
    }
}
