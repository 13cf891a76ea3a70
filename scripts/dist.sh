#!/usr/bin/env bash
# Packs the release build (`cargo leptos build --release --precompress
# --split`, which `make dist` runs first) into one archive that runs on its
# own: target/dist/everai-console-<version>-<build>-linux-x86_64.tar.gz,
# holding the binary, its site (precompressed), RUNNING.md, the nginx and
# systemd examples, and SHA256SUMS over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/everai-console
site=target/site
[ -x "$bin" ] || { echo "dist: $bin is missing: run make dist" >&2; exit 1; }
[ -f "$site/pkg/everai_console.wasm.br" ] || {
  echo "dist: $site is not a precompressed release site: run make dist" >&2; exit 1; }

# "everai-console 0.1.0 (build 0123456789abcdef)"
said=$("$bin" --version) || { echo "dist: $bin --version failed" >&2; exit 1; }
read -r _ version _ build <<<"$said"
build=${build%)}
[[ $build =~ ^[0-9a-f]{16}$ ]] || { echo "dist: no build id in \"$said\"" >&2; exit 1; }
name="everai-console-$version-$build-linux-x86_64"
out=target/dist
stage="$out/$name"
rm -rf "$stage" "$out/$name.tar.gz"
mkdir -p "$stage/site" "$stage/examples"

cp "$bin" "$stage/everai-console"
# The site as the build wrote it, less the type declarations (and their
# compressed twins) nobody serves.
(cd "$site" && tar --exclude='*.d.ts' --exclude='*.d.ts.*' -cf - .) | (cd "$stage/site" && tar -xf -)
# The newest glibc symbol version the binary asks for: the oldest host it runs on.
glibc=$(grep -ao 'GLIBC_2\.[0-9.]*' "$bin" | sort -Vu | tail -n 1 || true)
glibc=${glibc#GLIBC_}
[ -n "$glibc" ] || { echo "dist: cannot tell which glibc $bin needs" >&2; exit 1; }
sed -e "s/@VERSION@/$version/g" -e "s/@BUILD@/$build/g" -e "s/@GLIBC@/$glibc/g" \
  dist/RUNNING.md >"$stage/RUNNING.md"
cp deploy/nginx/everai-console.conf deploy/nginx/everai-console-proxy.conf \
  deploy/systemd/everai-console.service "$stage/examples/"

# The site must be the binary's: the binary checks it at start, and so
# does this script, before anything is packed.
grep -aqF "everai-console-build:$build" "$stage/site/pkg/everai_console.wasm" || {
  echo "dist: the site in $site is not from build $build: rebuild with make dist" >&2; exit 1; }

(cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS)
# In name order, owned by root and dated by the newest commit (gzip without
# a time of its own): the same files make the same archive.
when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$when" -C "$out" -cf - "$name" \
  | gzip -n -9 >"$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "dist: $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1); build $build)"
