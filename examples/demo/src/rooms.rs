//! Boards: the task board is per board, topic `Task:<board>` on the wire.
//! The board is in the URL (`?board=design`), so a reload stays on it and a
//! link opens it; switching rewrites the URL without a reload, and the board
//! follows at once, without a frame of the previous board's tasks.

use leptos::prelude::*;

/// The boards the switcher offers; the first is the default.
pub const BOARDS: [&str; 3] = ["main", "design", "ops"];

/// The page's current board, shared through context.
#[derive(Clone, Copy)]
pub struct Board(pub RwSignal<String>);

impl Board {
    /// The board named by `?board=` in the URL, else the first.
    pub fn from_url() -> Self {
        let search = window().location().search().unwrap_or_default();
        let named = search
            .trim_start_matches('?')
            .split('&')
            .find_map(|p| p.strip_prefix("board="))
            .filter(|b| BOARDS.contains(b))
            .unwrap_or(BOARDS[0]);
        Self(RwSignal::new(named.to_owned()))
    }

    /// The board's wire topic, `Task:<board>`.
    pub fn topic(self) -> Signal<String> {
        Signal::derive(move || self.0.with(|b| format!("Task:{b}")))
    }

    /// Switches to `board` and writes it into the URL (other parameters, such
    /// as `as=observer`, are kept).
    fn switch(self, board: &str) {
        let search = window().location().search().unwrap_or_default();
        let mut params: Vec<String> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("board="))
            .map(str::to_owned)
            .collect();
        params.push(format!("board={board}"));
        let url = format!("?{}", params.join("&"));
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        self.0.set(board.to_owned());
    }
}

/// The current board (provided by the app).
pub fn use_board() -> Board {
    expect_context::<Board>()
}

/// One button per board; the current one is pressed.
#[component]
pub fn BoardSwitcher() -> impl IntoView {
    let board = use_board();
    let button = move |name: &'static str| {
        let pressed = move || board.0.with(|b| b == name);
        view! {
            <button
                id=format!("board-{name}")
                type="button"
                class="fault board__switch"
                aria-pressed=move || pressed().to_string()
                on:click=move |_| board.switch(name)
            >
                {name}
            </button>
        }
    };
    view! {
        <nav class="actions boards" aria-label="Boards" data-board=move || board.0.get()>
            {BOARDS.map(button)}
        </nav>
    }
}
