#!/usr/bin/env bash
# Installs what building and testing the web app needs on a fresh Debian
# machine (idempotent): the wasm32 target, wasm-bindgen-cli matching the
# crate in Cargo.lock, Trunk, Chromium for the browser tests, and the npm
# packages (the tests', and binaryen's wasm-opt that the release build's hook
# runs). Trunk cannot download its own tools here, so Trunk.toml names them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
WASM_BINDGEN=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
TRUNK=0.21.14 # 0.22 needs a newer rustc than this machine's

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN" ]; then
  echo "installing wasm-bindgen-cli $WASM_BINDGEN (cargo install, a few minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN" --force
fi
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK" ]; then
  echo "installing trunk $TRUNK (cargo install, about 10 minutes on 2 cores)"
  cargo install --quiet trunk --version "$TRUNK" --locked --force
fi
(cd web/e2e && npm ci --no-audit --no-fund --silent)
