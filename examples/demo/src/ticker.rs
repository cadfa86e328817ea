//! The server's demo feed: prices that move about every second.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_sync::use_sync_component;

use crate::board::SubBadge;
use crate::model::Ticker;

/// Live prices of topic "Ticker", with the direction of the last move.
#[component]
pub fn TickerPanel() -> impl IntoView {
    let ticker = use_sync_component::<Ticker>();
    // Direction of each symbol's last change: 1 up, -1 down, 0 unknown.
    let moves = RwSignal::new(HashMap::<String, i8>::new());
    let last = StoredValue::new(HashMap::<String, f64>::new());
    Effect::new(move |_| {
        ticker.with(|map| {
            let mut dirs = moves.get_untracked();
            last.update_value(|prev| {
                for (symbol, t) in map {
                    if let Some(old) = prev.insert(symbol.clone(), t.price) {
                        if t.price > old {
                            dirs.insert(symbol.clone(), 1);
                        } else if t.price < old {
                            dirs.insert(symbol.clone(), -1);
                        }
                    }
                }
            });
            moves.set(dirs);
        });
    });
    let symbols = Memo::new(move |_| {
        let mut list: Vec<String> = ticker.with(|m| m.keys().cloned().collect());
        list.sort();
        list
    });
    view! {
        <section class="panel ticker" aria-labelledby="ticker-title">
            <div class="panel__head">
                <h2 id="ticker-title">"Ticker"</h2>
                <SubBadge id="ticker-sub" state=ticker.state />
            </div>
            <p class="panel__hint">"Published by the server every second."</p>
            <table id="ticker" class="ticker__table">
                <tbody>
                    <For
                        each=move || symbols.get()
                        key=String::clone
                        children=move |symbol| {
                            let price = {
                                let symbol = symbol.clone();
                                move || ticker.with(|m| m.get(&symbol).map(|t| format!("{:.2}", t.price)))
                            };
                            let dir = {
                                let symbol = symbol.clone();
                                Memo::new(move |_| moves.with(|m| m.get(&symbol).copied().unwrap_or(0)))
                            };
                            let arrow = move || match dir.get() {
                                1 => "▲",
                                -1 => "▼",
                                _ => "",
                            };
                            view! {
                                <tr class="ticker__row" data-symbol=symbol.clone()>
                                    <th scope="row">{symbol.clone()}</th>
                                    <td
                                        class="ticker__price"
                                        class:ticker__price--up=move || dir.get() == 1
                                        class:ticker__price--down=move || dir.get() == -1
                                    >
                                        {price}
                                        <span class="ticker__arrow" aria-hidden="true">{arrow}</span>
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
            {move || symbols.with(Vec::is_empty).then(|| view! { <p class="ticker__empty">"Waiting for prices…"</p> })}
        </section>
    }
}
