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
#   6. each libFuzzer target and the URL-hash decoder for a bounded time (CNN_FUZZ_SECONDS, default
#      15), two at a time, on their seed corpora
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

# A Catch2 suite in two processes side by side, one per core: $1 and $2 are the halves' test
# filters, the rest the command. The sanitizer suites split the shape sweeps (with the first half
# of the conv kernels' thread-count test, [first-half]) from the rest, and
# leave out the tests tagged [long], learning over hundreds of steps (a third of the time there):
# they run in the native and the plain wasm builds. One process per half rather than ctest's one
# per test: a wasm test under AddressSanitizer spends 1.5 s starting its module.
# A half that matches no test fails (--warn NoTests), as ctest --no-tests=error does.
suite_in_two() {
  local first=$1 second=$2 out
  shift 2
  out=$(mktemp -d)
  "$@" --warn NoTests --use-colour no "$first" >"$out/first" 2>&1 &
  local a=$!
  "$@" --warn NoTests --use-colour no "$second" >"$out/second" 2>&1 &
  local b=$!
  local failed=0
  wait "$a" || failed=1
  wait "$b" || failed=1
  for half in first second; do
    local filter=$first
    [[ $half == second ]] && filter=$second
    if ((failed)); then cat "$out/$half"; else echo "$filter: $(tail -n 2 "$out/$half" | tr -s '\n' ' ')"; fi
  done
  rm -rf "$out"
  return "$failed"
}

# One fuzz target for $seconds on its seed corpus: a libFuzzer binary, or "hash", the URL-hash
# decoder's fuzzer under Node. New inputs go to a temporary folder; the checked-in corpus is only
# read.
fuzz_short() {
  local target=$1 work
  if [[ $target == hash ]]; then
    node tests/fuzz/hash.fuzz.mjs --seconds "$seconds"
    return
  fi
  work=$(mktemp -d)
  if ! build-fuzz/fuzz_$target -max_total_time="$seconds" -entropic=0 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "tests/fuzz/corpus/$target" >"$work/log" 2>&1; then
    tail -n 60 "$work/log"
    echo "fuzz_$target found a failure; the input is in $work" >&2
    return 1
  fi
  echo "fuzz_$target: $(grep -E "^Done|stat::number_of_executed_units" "$work/log" | head -n 2 | tr -s '\n' ' ')"
  rm -rf "$work"
}

# Two fuzz targets side by side, one per core; each one's output once both have ended.
fuzz_pair() {
  local out failed=0
  out=$(mktemp -d)
  fuzz_short "$1" >"$out/first" 2>&1 &
  local a=$!
  fuzz_short "$2" >"$out/second" 2>&1 &
  local b=$!
  wait "$a" || failed=1
  wait "$b" || failed=1
  cat "$out/first" "$out/second"
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
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  suite_in_two "[sweep]~[long],[first-half]" "~[sweep]~[long]~[first-half]" build-asan/cnn_tests

step "ThreadSanitizer build"
bash tools/build.sh tsan
step "thread tests under ThreadSanitizer, in two halves of about the same length"
TSAN_OPTIONS=halt_on_error=1 suite_in_two "[threads][first-half],[threads][shards]" "[threads]~[first-half]~[shards]" build-tsan/cnn_tests

step "wasm build"
bash tools/build.sh wasm
step "wasm tests (Catch2 suite under Node)"
ctest --test-dir build-wasm --no-tests=error --output-on-failure -j "$jobs"
step "wasm module tests"
node --test tests/wasm/
step "wasm build under AddressSanitizer"
bash tools/build.sh wasm-asan
step "wasm tests under AddressSanitizer, less the [long] ones (an out-of-bounds access in wasm fails here)"
suite_in_two "[sweep]~[long],[first-half]" "~[sweep]~[long]~[first-half]" node --no-experimental-fetch build-wasm-asan/cnn_tests.js

step "fuzz build"
bash tools/build.sh fuzz
seconds=${CNN_FUZZ_SECONDS:-15}
for pair in "idx safetensors" "spec model" "kernels train" "onnx hash"; do
  # shellcheck disable=SC2086 # two target names
  set -- $pair
  step "fuzz_$1 and $([[ $2 == hash ]] && echo "the URL-hash decoder (Node)" || echo "fuzz_$2"), ${seconds}s each, side by side"
  fuzz_pair "$1" "$2"
done

step "the page's run list, difference table and runs= links (Node)"
node --test tests/web/

step "the benchmarks' timing helper and training in turns (Node; links build-wasm's threaded Node module)"
# The threaded Node module is left out of a plain wasm build (CMakeLists.txt): its link only.
NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH} cmake --build build-wasm --target cnn_node_mt >/dev/null
node --test tests/bench/

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
