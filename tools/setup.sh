#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian bookworm machine: Debian packages (only the
# missing ones, as root or through sudo) and the npm packages (npm ci). Safe to run repeatedly;
# `npm start` and `npm test` call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev   # native build, sanitizers, libFuzzer
  clang-format                                    # the format check (tools/format.sh)
  catch2 nlohmann-json3-dev zlib1g-dev libpng-dev  # libraries
  libsimde-dev                                     # wasm_simd128.h kernels compiled natively
  emscripten                                       # the WebAssembly build (Debian's 3.1.6)
  chromium                                         # the browser the end-to-end tests drive
  python3-numpy                                    # the NumPy forward pass (tests/python)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "setup: Node.js 20 or newer is needed (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm packages: reinstall when node_modules is missing or older than the lock file. A symlinked
# node_modules (a git worktree sharing another checkout's install) is left alone: npm ci empties
# the folder it points to before installing, which would break the other checkout.
if [[ -L node_modules ]]; then
  if [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "setup: node_modules is a symlink to $(readlink node_modules); not reinstalling (run npm ci there if it is stale)"
  fi
elif [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
