#!/usr/bin/env bash
# `npm test`: every test of the project, from a fresh clone on a fresh machine.
#   1. setup (Debian and npm packages)
#   2. the formatting (Prettier and clang-format, tools/format.sh) and the core's layering (no
#      include from a folder above, tools/check_layering.mjs), then the
#      native Release build (warnings as errors) and its Catch2 suite through ctest
#   3. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the thread tests
#      under ThreadSanitizer
#   4. the same suite compiled to WebAssembly and run under Node, and the Embind module tests;
#      then once more in a wasm build with Emscripten's AddressSanitizer
#   5. the CLI tests (node:test, real files, real MNIST subset), the NumPy forward pass of
#      tools/check_safetensors.py against the CLI (tests/python), then the ONNX export against
#      onnxruntime-web (tests/onnx)
#   6. each libFuzzer target for a bounded time (CNN_FUZZ_SECONDS, default 15) on its seed corpus
#   7. the site: type check, build, the npm package of the elements, and the Playwright end-to-end
#      tests in the system Chromium (one installs that package into a scratch Vite app)
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's header says how long the one before it took, and the last line the total.
started=$SECONDS
last_step=""
last_start=$SECONDS
step() {
  [ -n "$last_step" ] && printf '== (%ds: %s)\n' $((SECONDS - last_start)) "$last_step"
  last_step="$*"
  last_start=$SECONDS
  printf '\n== %s\n' "$*"
}
trap 'step_end=$?; [ -n "$last_step" ] && printf "== (%ds: %s)\n" $((SECONDS - last_start)) "$last_step"; printf "== npm test: %ds in all, exit %d\n" $((SECONDS - started)) "$step_end"' EXIT
jobs=$(nproc)

# The Catch2 suite of a sanitizer build, in two processes side by side: the shape sweeps, and the
# rest. The tests tagged [long], learning over hundreds of steps (a third of the time here), are
# left out: they run in the native and the plain wasm builds. One process per half rather than
# ctest's one per test: a wasm test under AddressSanitizer spends 1.5 s starting its module.
# A half that matches no test fails (--warn NoTests), as ctest --no-tests=error does.
# $@: the command that runs the suite.
suite_in_two() {
  local out
  out=$(mktemp -d)
  "$@" --warn NoTests --use-colour no "[sweep]~[long]" >"$out/sweeps" 2>&1 &
  local sweeps=$!
  "$@" --warn NoTests --use-colour no "~[sweep]~[long]" >"$out/rest" 2>&1 &
  local rest=$!
  local failed=0
  wait "$sweeps" || failed=1
  wait "$rest" || failed=1
  for half in sweeps rest; do
    if ((failed)); then cat "$out/$half"; else echo "$half: $(tail -n 2 "$out/$half" | tr -s '\n' ' ')"; fi
  done
  rm -rf "$out"
  return "$failed"
}

step "setup (Debian and npm packages)"
bash tools/setup.sh

step "formatting (Prettier for web, tests, bench, examples; clang-format for C++)"
bash tools/format.sh
step "core layering (dependencies point down)"
node tools/check_layering.mjs
step "native build"
bash tools/build.sh native
step "native tests"
ctest --test-dir build-native --no-tests=error --output-on-failure -j "$jobs"

step "sanitizer build (ASan + UBSan)"
bash tools/build.sh asan
step "sanitizer tests (less the [long] ones)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 suite_in_two build-asan/cnn_tests

step "ThreadSanitizer build"
bash tools/build.sh tsan
step "thread tests under ThreadSanitizer"
TSAN_OPTIONS=halt_on_error=1 build-tsan/cnn_tests "[threads]"

step "wasm build"
bash tools/build.sh wasm
step "wasm tests (Catch2 suite under Node)"
ctest --test-dir build-wasm --no-tests=error --output-on-failure -j "$jobs"
step "wasm module tests"
node --test tests/wasm/
step "wasm build under AddressSanitizer"
bash tools/build.sh wasm-asan
step "wasm tests under AddressSanitizer, less the [long] ones (an out-of-bounds access in wasm fails here)"
suite_in_two node --no-experimental-fetch build-wasm-asan/cnn_tests.js

step "fuzz build"
bash tools/build.sh fuzz
seconds=${CNN_FUZZ_SECONDS:-15}
for target in idx safetensors spec model kernels train onnx; do
  step "fuzz_$target for ${seconds}s"
  work=$(mktemp -d)
  # New inputs go to the temporary folder; the checked-in corpus is only read.
  if ! build-fuzz/fuzz_$target -max_total_time="$seconds" -entropic=0 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "tests/fuzz/corpus/$target" >"$work/log" 2>&1; then
    tail -n 60 "$work/log"
    echo "fuzz_$target found a failure; the input is in $work" >&2
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$work/log" | head -n 2
  rm -rf "$work"
done

step "URL-hash decoder fuzz for ${seconds}s (Node)"
node tests/fuzz/hash.fuzz.mjs --seconds "$seconds"
step "the page's run list, difference table and runs= links (Node)"
node --test tests/web/

step "CLI tests"
node --test tests/cli/
step "Python interop: a NumPy forward pass of CLI-trained models gives the CLI's probabilities"
node --test tests/python/
step "ONNX export parity (onnxruntime-web; needs build-native and build-wasm)"
node --test tests/onnx/

step "site build (type check + Vite)"
bash tools/build.sh web
step "npm package of the elements (build-lib/cnn-playground-elements-*.tgz)"
bash tools/build.sh pkg
step "end-to-end tests (Playwright, $(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
npx playwright test
