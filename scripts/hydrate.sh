# The SSR + hydrate example (examples/hydrate) in scripts/test; sourced, so
# it uses scripts/test's run_logged, problem, LOGS and TARGET_DIR.
# Idempotent: on a warm machine cargo does nothing and wasm-bindgen takes a second.

# Where tests/e2e/hydrate.test.js finds what build_hydrate_example builds.
export LEPTOS_SYNC_HYDRATE_BIN="$TARGET_DIR/debug/leptos-sync-hydrate"
export LEPTOS_SYNC_HYDRATE_PKG="$TARGET_DIR/hydrate-pkg"

# clippy for both halves: the server natively with `ssr`, the wasm with `hydrate`.
check_hydrate_example() {
  section "checks: cargo clippy -p leptos-sync-example-hydrate (native ssr, wasm32 hydrate) -- -D warnings"
  if ! run_logged "$LOGS/clippy-hydrate-ssr.log" cargo clippy -p leptos-sync-example-hydrate \
    --all-targets --features ssr -- -D warnings; then
    problem "clippy (hydrate example, ssr): warnings or errors; see $LOGS/clippy-hydrate-ssr.log"
  fi
  if ! run_logged "$LOGS/clippy-hydrate-wasm.log" cargo clippy -p leptos-sync-example-hydrate \
    --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings; then
    problem "clippy (hydrate example, wasm32 hydrate): warnings or errors; see $LOGS/clippy-hydrate-wasm.log"
  fi
}

# Builds the example's server and its wasm, and runs wasm-bindgen into the
# pkg dir; reports a problem if any step fails. Two cargo invocations: the
# `ssr` and `hydrate` features cannot share a build.
build_hydrate_example() {
  if ! { run_logged "$LOGS/hydrate-build.log" cargo build -p leptos-sync-example-hydrate --features ssr &&
    run_logged "$LOGS/hydrate-wasm.log" cargo build -p leptos-sync-example-hydrate --lib \
      --target wasm32-unknown-unknown --features hydrate &&
    run_logged "$LOGS/hydrate-bindgen.log" wasm-bindgen --target web --out-dir "$LEPTOS_SYNC_HYDRATE_PKG" \
      "$TARGET_DIR/wasm32-unknown-unknown/debug/leptos_sync_example_hydrate.wasm"; }; then
    problem "e2e: the hydrate example does not build; see $LOGS/hydrate-*.log"
    return 1
  fi
}
