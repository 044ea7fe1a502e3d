#!/usr/bin/env bash
# Trains the model that ships with the site (web/public/models/pretrained.safetensors) with the
# project's own CLI: the keras-book network with augmentation, so the digit pad reads hand-drawn
# digits from the moment the page opens. Weights only (no optimizer state) to keep it small.
# Deterministic for the seed in tools/pretrained-spec.json; takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh native >/dev/null
mkdir -p web/public/models
build-native/cnn train --spec tools/pretrained-spec.json --out web/public/models/pretrained.safetensors --weights-only "$@"
