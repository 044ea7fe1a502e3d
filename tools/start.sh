#!/usr/bin/env bash
# `npm start`: installs what is missing and builds everything (the native CLI and the WebAssembly
# module). The playground page that this command will serve is being built next (web/); until it
# exists, this says what was built and how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh native >/dev/null
bash tools/build.sh wasm >/dev/null
cat <<MSG

Built:
  build-native/cnn                  the command-line tool (try: build-native/cnn summary --preset keras-book)
  build-wasm/cnn.js + cnn.wasm      the WebAssembly module for the page (Embind Trainer)
  build-wasm/cnn-node.cjs           the same module for Node

The browser playground (web/) is not part of this version yet, so there is no page to serve.
Train from the command line meanwhile:
  build-native/cnn train --preset tiny --epochs 1 --out tiny.safetensors
MSG
