#!/usr/bin/env bash
# `cargo leptos end-to-end` exits 0 when the browser bundle fails to build,
# without running a single test. Playwright writes its verdict to
# test-results/.last-run.json at the end of every run: no file, or anything
# but "passed", fails the target.
set -euo pipefail
verdict=end2end/test-results/.last-run.json
if [ ! -f "$verdict" ]; then
  echo "e2e: Playwright did not run (did the build fail? see above)" >&2
  exit 1
fi
if ! grep -q '"status": "passed"' "$verdict"; then
  echo "e2e: Playwright did not pass: $(tr -d '\n' < "$verdict")" >&2
  exit 1
fi
