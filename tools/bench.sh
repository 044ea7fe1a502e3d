#!/usr/bin/env bash
# `npm run bench`: speed figures, printed and written as JSON to bench/results/. Not a test.
# Native core: training and inference examples/s, single-example latency and GFLOP/s per preset,
# for the fastest kernels and for the ref baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh native >/dev/null
mkdir -p bench/results
out=bench/results/native-$(date -u +%Y%m%dT%H%M%SZ).json
seconds=${CNN_BENCH_SECONDS:-4}
{
  echo "["
  first=1
  for preset in keras-book tiny tflearn tf-tutorial; do
    for kernels in "" ref; do
      [[ $preset == tf-tutorial && $kernels == ref ]] && continue
      args=(bench --preset "$preset" --seconds "$seconds")
      [[ -n $kernels ]] && args+=(--kernels "$kernels")
      line=$(build-native/cnn "${args[@]}" --json)
      ((first)) || echo ","
      first=0
      echo "$line"
      echo "$line" | node -e 'const r=JSON.parse(require("fs").readFileSync(0));
        console.error(`${r.model.padEnd(12)} ${r.kernels.padEnd(8)} train ${r.train_examples_per_s.toFixed(0).padStart(6)} ex/s ${r.train_gflops.toFixed(2).padStart(6)} GFLOP/s | infer ${r.infer_examples_per_s.toFixed(0).padStart(6)} ex/s | latency ${r.latency_ms.toFixed(3)} ms`)'
    done
  done
  echo "]"
} > "$out"
echo "wrote $out"
