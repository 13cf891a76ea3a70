#!/usr/bin/env bash
# Fails, saying so, when HOST:PORT already accepts connections: the end-to-end
# suite would otherwise test whatever else is listening there.
set -euo pipefail
addr="${1:?usage: port-free.sh HOST:PORT}"
host="${addr%:*}"
port="${addr##*:}"
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  echo "e2e: $addr is already in use (another console or test run?); set E2E_SITE_ADDR or E2E_SIM_ADDR to a free address" >&2
  exit 1
fi
