#!/usr/bin/env bash
# Configures and builds one flavour of the project into its own folder:
#   native  build-native  Release, warnings as errors (the CLI and the test suite)
#   asan    build-asan    Debug with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan    build-tsan    ThreadSanitizer (-O1): the thread pool and the threaded kernels
#   fuzz    build-fuzz    clang with libFuzzer targets
#   wasm    build-wasm    Emscripten Release: the page's module, the Node module, the wasm tests
#   wasm-asan build-wasm-asan  the wasm test suite alone under Emscripten's AddressSanitizer (-O1)
#   web     build-web     the playground site (needs the wasm build): Vite bundle + gzipped MNIST,
#                         with the library in build-web/lib/ and examples/ in build-web/examples/
#   lib     build-lib     the embeddable elements as one ES module with its worker, wasm and data,
#                         then the npm package (pkg below)
#   pkg     build-lib/pkg the npm package of the elements (after a lib or web build) and its tarball
#                         build-lib/cnn-playground-elements-<version>.tgz (tools/pack_lib.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-native}
if [[ $flavour == pkg ]]; then
  # The module and MNIST's shards as the lib and web flavours prepare them.
  [[ -f web/src/wasm/cnn.wasm && -f web/public/data/mnist/manifest.json ]] || exec bash tools/build.sh lib
  [[ ! -f build-wasm/cnn.wasm ]] || cp -p build-wasm/cnn.js build-wasm/cnn.wasm web/src/wasm/
  rm -rf build-lib/pkg
  npx vite build --config web/vite.pkg.config.mts --mode worker --logLevel warn
  npx vite build --config web/vite.pkg.config.mts --mode elements --logLevel warn
  npx tsc -p web/tsconfig.pkg.json
  node tools/pack_lib.mjs
  exit 0
fi
if [[ $flavour == web || $flavour == lib ]]; then
  [[ -f build-wasm/cnn.wasm ]] || bash tools/build.sh wasm
  # The page imports the module from web/src/wasm (beside its committed cnn.d.ts).
  cp -p build-wasm/cnn.js build-wasm/cnn.wasm web/src/wasm/
  # The threaded engine is served as built (Vite would break its pthread workers): public/wasm-mt/.
  [[ -f build-wasm/mt/cnn.js ]] || bash tools/build.sh wasm
  mkdir -p web/public/wasm-mt
  cp -p build-wasm/mt/cnn.js build-wasm/mt/cnn.worker.js build-wasm/mt/cnn.wasm web/public/wasm-mt/
  node tools/prepare_web_data.mjs
  npx tsc -p web/tsconfig.json
  npx vite build --config web/vite.lib.config.mts --logLevel warn
  [[ $flavour != lib ]] || bash tools/build.sh pkg
  if [[ $flavour == web ]]; then
    npx vite build web --logLevel warn
    # The site serves the library and the tutorial page that embeds it (/lib/, /examples/).
    # Hard links where possible: the library's copy of MNIST costs no disk space twice.
    rm -rf build-web/lib build-web/examples
    cp -al build-lib build-web/lib 2>/dev/null || { rm -rf build-web/lib; cp -a build-lib build-web/lib; }
    cp -a examples build-web/examples
  fi
  exit 0
fi
targets=()
case "$flavour" in
  native) dir=build-native; args=(-DCMAKE_BUILD_TYPE=Release -DCNN_WERROR=ON) ;;
  # -O1 as the sanitizer docs advise: about 5x faster than -O0, same reports, asserts kept.
  # -g1: line tables, all a sanitizer report needs (file:line in every frame), at three quarters
  # of -g's compile time. These two build the test suite alone: the CLI and the benches are
  # built and tested in the native flavour.
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" -DCNN_SANITIZE=ON -DCNN_WERROR=ON); targets=(--target cnn_tests) ;;
  tsan) dir=build-tsan; args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" -DCNN_TSAN=ON -DCNN_CLI=OFF); targets=(--target cnn_tests) ;;
  # -g1 here too: a finding's stack needs line tables only.
  fuzz) dir=build-fuzz; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DCNN_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  wasm) dir=build-wasm; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  wasm-asan) dir=build-wasm-asan; args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DCNN_SANITIZE=ON) ;;
  *) echo "usage: tools/build.sh native|asan|tsan|fuzz|wasm|wasm-asan|web|lib|pkg" >&2; exit 2 ;;
esac
# Emscripten 3.1.6 from Debian finds its JS dependencies (acorn) only through NODE_PATH.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
if [[ ! -f $dir/build.ninja ]]; then
  if [[ $flavour == wasm* ]]; then
    emcmake cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
  else
    cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
  fi
fi
cmake --build "$dir" "${targets[@]}"
