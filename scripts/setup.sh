#!/usr/bin/env bash
# Installs, idempotently, what building and testing the console needs.
# A second run finds everything in place and returns in about a second.
#
#   scripts/setup.sh          build tools: wasm target, cargo-leptos, wasm-bindgen, npm packages
#   scripts/setup.sh --test   the same, plus Debian's Chromium for the Playwright suite,
#                             Debian's PostgreSQL for the storage tests and the platform's
#                             Python client (everai) for the compatibility test, and
#                             Debian's nginx and openssl for the reverse-proxy test
#   scripts/setup.sh --load   the build tools, plus Debian's wrk for scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# The platform's published Python client, the reference for the wire format.
EVERAI_PY_VERSION=0.2.41
EVERAI_VENV=.tools/everai-venv
# The CLI must match the wasm-bindgen crate exactly; Cargo.lock is the truth.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

say() { printf '==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed ($2)" >&2; exit 1; }; }

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
need cargo "install Rust with rustup"
need rustup "install Rust with rustup"
need npm "install Node.js 20 or newer with npm"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown"
  # The download occasionally times out on a cold machine; one retry is enough.
  rustup target add wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  # no_downloads: use the wasm-bindgen, wasm-opt and sass found on PATH
  # instead of fetching binaries, which this network does not allow.
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm ci only when package-lock.json changed since the last install.
stamp=end2end/node_modules/.installed-lock
if ! cmp -s end2end/package-lock.json "$stamp" 2>/dev/null; then
  say "installing the npm packages in end2end/ (Playwright, binaryen's wasm-opt)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  cp end2end/package-lock.json "$stamp"
fi

if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the end-to-end tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
fi

if [ "${1:-}" = "--test" ] && ! { [ -x /usr/sbin/nginx ] && command -v openssl; } >/dev/null; then
  say "installing Debian's nginx and openssl for the reverse-proxy test"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nginx openssl
  # The package starts nginx on port 80; the test starts its own.
  $sudo service nginx stop >/dev/null 2>&1 || true
fi

if [ "${1:-}" = "--load" ] && ! { command -v wrk && command -v curl; } >/dev/null; then
  say "installing Debian's wrk and curl for the load script"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends wrk curl
fi

if [ "${1:-}" = "--test" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing Debian's PostgreSQL server for the storage tests (it is not left running)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends postgresql
  # The package starts a cluster of its own; the tests start private ones.
  $sudo service postgresql stop >/dev/null 2>&1 || true
fi

if [ "${1:-}" = "--test" ] && \
  [ "$("$EVERAI_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("everai"))' 2>/dev/null || true)" != "$EVERAI_PY_VERSION" ]; then
  say "installing the platform's Python client everai $EVERAI_PY_VERSION into $EVERAI_VENV"
  need python3 "install Python 3.9 or newer"
  rm -rf "$EVERAI_VENV"
  python3 -m venv "$EVERAI_VENV" || {
    echo "setup: python3 -m venv failed; on Debian install python3-venv" >&2
    exit 1
  }
  "$EVERAI_VENV/bin/pip" install --quiet --disable-pip-version-check "everai==$EVERAI_PY_VERSION"
fi
