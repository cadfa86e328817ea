//! The benchmarks' size, clock and result lines (`tests/bench_*`).
//!
//! Every benchmark reads its size from `LEPTOS_SYNC_BENCH_N` at compile time:
//! unset (as in `scripts/test`), it runs a small smoke size that only checks
//! that it runs and produces numbers; `scripts/bench` sets the full size.
//! Results are printed as `BENCH <name> key=value ...` lines (visible with
//! `-- --nocapture`).

use wasm_bindgen::JsValue;

/// The size the benchmark was built for, if `scripts/bench` set one.
pub const BENCH_N: Option<u64> = match option_env!("LEPTOS_SYNC_BENCH_N") {
    Some(n) => Some(parse_u64(n)),
    None => None,
};

/// `full` when `scripts/bench` set `LEPTOS_SYNC_BENCH_N`, else `smoke`.
pub fn size(smoke: u64, full: u64) -> u64 {
    if BENCH_N.is_some() { full } else { smoke }
}

const fn parse_u64(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut n = 0u64;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            n = n * 10 + (b - b'0') as u64;
        } else if b != b'_' {
            panic!("LEPTOS_SYNC_BENCH_N must be a number");
        }
        i += 1;
    }
    n
}

/// `performance.now()`: a monotonic, sub-millisecond clock.
pub fn perf_now() -> f64 {
    js_sys::eval("performance.now()")
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}

/// Evaluates JavaScript in the page; panics with the script on an exception.
pub fn js(script: &str) -> JsValue {
    js_sys::eval(script).unwrap_or_else(|e| panic!("eval failed: {e:?}\n{script}"))
}

/// Evaluates JavaScript that returns a number.
pub fn js_f64(script: &str) -> f64 {
    js(script)
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {script}"))
}

/// Prints one result line and checks that every value is a finite number.
pub fn report(name: &str, fields: &[(&str, f64)]) {
    let mut line = format!("BENCH {name}");
    for (key, value) in fields {
        assert!(value.is_finite(), "{name}: {key} is {value}");
        if value.fract() == 0.0 && value.abs() < 1e15 {
            line.push_str(&format!(" {key}={value:.0}"));
        } else {
            line.push_str(&format!(" {key}={value:.3}"));
        }
    }
    wasm_bindgen_test::console_log!("{line}");
}

/// Median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Counts animation frames from now on in `window.__benchFrames`.
pub fn start_frame_counter() {
    js("(function () {
        window.__benchFrames = 0;
        if (window.__benchFrameLoop) return;
        window.__benchFrameLoop = true;
        const tick = () => { window.__benchFrames++; requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
    })()");
}

/// Animation frames since [`start_frame_counter`].
pub fn frames() -> f64 {
    js_f64("window.__benchFrames")
}
