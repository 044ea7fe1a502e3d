#!/usr/bin/env bash
# Configures and builds one flavour of the project into its own folder:
#   native  build-native  Release, warnings as errors (the CLI and the test suite)
#   asan    build-asan    Debug with AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz    build-fuzz    clang with libFuzzer targets
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-native}
case "$flavour" in
  native) dir=build-native; args=(-DCMAKE_BUILD_TYPE=Release -DCNN_WERROR=ON) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DCNN_SANITIZE=ON -DCNN_WERROR=ON) ;;
  fuzz) dir=build-fuzz; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCNN_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: tools/build.sh native|asan|fuzz" >&2; exit 2 ;;
esac
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
fi
cmake --build "$dir"
