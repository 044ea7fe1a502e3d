#!/usr/bin/env bash
# `npm run fuzz`: every libFuzzer target (tests/fuzz/fuzz_*.cpp) for FUZZ_SECONDS each (default
# 300), then the URL-hash decoder's fuzzer under Node (tests/fuzz/hash.fuzz.mjs). New inputs that
# add coverage are merged, minimized, into tests/fuzz/corpus/<target>/; each run's executions are
# appended to tests/fuzz/executions.tsv and the table in tests/fuzz/README.md is rewritten from it.
#   FUZZ_SECONDS=600 npm run fuzz            all targets, ten minutes each
#   FUZZ_TARGETS="train onnx" npm run fuzz   some of them ("hash" is the Node one)
# -entropic=0: libFuzzer's entropic schedule spent 60 % of the time updating feature frequencies
# on these targets (perf), which cut the executions per second by 2.6x.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
all_targets=$(ls tests/fuzz/fuzz_*.cpp | sed 's|.*/fuzz_||; s|\.cpp$||' | tr '\n' ' ')
targets=${FUZZ_TARGETS:-"$all_targets hash"}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# (What the campaigns themselves write, the corpus and the table, is not a change of what is fuzzed.)
[[ -n $(git status --porcelain -- core tests/fuzz ':!tests/fuzz/corpus' ':!tests/fuzz/executions.tsv' \
  ':!tests/fuzz/README.md' 2>/dev/null) ]] && commit="$commit+changes"
log=tests/fuzz/executions.tsv
[[ -f $log ]] || printf 'date\tcommit\ttarget\tseconds\texecutions\tfindings\n' > "$log"

# Allocation stacks are not recorded (a quarter of the time of the training targets); a finding
# is reproduced with its input, which prints them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
bash tools/setup.sh >/dev/null
if [[ " $targets " != " hash " ]]; then bash tools/build.sh fuzz >/dev/null; fi
status=0
for target in $targets; do
  work=$(mktemp -d)
  start=$(date +%s)
  if [[ $target == hash ]]; then
    # A new seed per campaign (npm test's short run keeps seed 1): the fuzzer is seeded, so every
    # run from one seed would replay the same inputs. FUZZ_SEED replays a campaign.
    seed=${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 2 ))}
    echo "fuzz: URL-hash decoder (Node) for ${seconds}s, seed $seed"
    if node tests/fuzz/hash.fuzz.mjs --seconds "$seconds" --seed "$seed" >"$work/log" 2>&1; then findings=0; else findings=1; status=1; fi
    execs=$(sed -n 's/^executions: \([0-9]*\).*/\1/p' "$work/log" | tail -n 1)
    tail -n 3 "$work/log"
  else
    echo "fuzz: fuzz_$target for ${seconds}s"
    if build-fuzz/fuzz_$target -max_total_time="$seconds" -entropic=0 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/" "$work" "tests/fuzz/corpus/$target" >"$work/log" 2>&1; then
      findings=0
    else
      findings=1
      status=1
      tail -n 40 "$work/log"
      echo "fuzz: fuzz_$target found a failure; the input is kept in $work" >&2
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
    if ((findings == 0)); then
      # Keep what the run found, minimized: the corpus is merged into itself plus the new inputs.
      build-fuzz/fuzz_$target -merge=1 -rss_limit_mb=2048 "tests/fuzz/corpus/$target" "$work" >/dev/null 2>&1 || true
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$target" "$(( $(date +%s) - start ))" \
    "${execs:-0}" "$findings" >> "$log"
  echo "  executions: ${execs:-0}, findings: $findings"
  ((findings)) || rm -rf "$work"
done
node tools/fuzz_table.mjs
exit $status
