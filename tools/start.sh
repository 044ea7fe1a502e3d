#!/usr/bin/env bash
# `npm start`: installs what is missing, builds everything (the native CLI, the WebAssembly
# module, the site) and serves the playground, printing its URL. HOST and PORT choose where
# (default 127.0.0.1:8080; HOST=0.0.0.0 to reach it from another device). The tests serve on
# their own port, so `npm test` can run beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "building the command-line tool…"
bash tools/build.sh native >/dev/null
echo "building the WebAssembly module…"
bash tools/build.sh wasm >/dev/null
echo "building the site…"
bash tools/build.sh web
host=${HOST:-127.0.0.1}
port=${PORT:-8080}
cat <<MSG

CNN Playground is served below (Ctrl+C stops it). Also built and served:
  http://$host:$port/examples/   a tutorial page embedding the elements of the library
  build-lib/             the embeddable library (cnn-playground.js + worker, wasm, data; also at /lib/)
  build-native/cnn       the command-line tool (try: build-native/cnn summary --preset keras-book)
  build-web/             the static site; any static file server can serve it
MSG
exec npx vite preview web --host "$host" --port "$port"
