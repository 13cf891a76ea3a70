#!/usr/bin/env bash
# make test-proxy: the `make dist` archive as ops would run it. Unpacks it
# in a temporary folder, checks its SHA256SUMS, starts two replicas from it
# (CONSOLE_AUTH=proxy, one PostgreSQL database, one simulator) with no
# build environment, puts Debian's nginx in front with HTTPS and basic auth
# (deploy/nginx/everai-console.conf with this machine's ports and files,
# the proxying itself from deploy/nginx/everai-console-proxy.conf as is),
# and runs end2end/proxy/ through it in Chromium.
#
# Needs CONSOLE_TEST_POSTGRES_URL: run it through scripts/with-postgres.sh
# (the make target does).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

fail() { echo "proxy-test: $*" >&2; exit 1; }
[ -n "${CONSOLE_TEST_POSTGRES_URL:-}" ] || fail "CONSOLE_TEST_POSTGRES_URL is not set: run it through make test-proxy"
archive=$(ls -t target/dist/everai-console-*-linux-x86_64.tar.gz 2>/dev/null | head -n 1 || true)
[ -n "$archive" ] || fail "no archive in target/dist: run make dist"
sim_bin=target/debug/everai-sim
[ -x "$sim_bin" ] || fail "$sim_bin is missing: cargo build -p everai-sim"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || fail "nginx is not installed: scripts/setup.sh --test"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

work=$(mktemp -d -t console-proxy.XXXXXX)
# nginx's workers run as another user when it starts as root: they read
# the password file from here.
chmod 755 "$work"
pids=()
stop() {
  local status=$?
  for pidfile in "$work"/nginx*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do echo "--- $log" >&2; tail -n 40 "$log" >&2; done
  fi
  rm -rf "$work"
}
trap stop EXIT

# Free loopback ports, each distinct, below Linux's ephemeral range (where
# the kernel picks ports for outgoing connections). Set in this shell, not
# a subshell, so that each knows the ones taken before it.
taken=" "
free_port() { # variable
  local p
  for p in $(shuf -i 20000-32000 -n 200); do
    case "$taken" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken="$taken$p "
      printf -v "$1" '%s' "$p"
      return
    fi
  done
  fail "no free port"
}
for name in a b sim https http; do free_port "$name"; done
# A third replica, with token sign-in, behind a second nginx: its session
# cookie is Secure through nginx.
for name in c https2 http2; do free_port "$name"; done

# --- the archive, on its own --------------------------------------------
tar -xzf "$archive" -C "$work"
dist="$work/$(basename "$archive" .tar.gz)"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "the archive's files do not match its SHA256SUMS"
version=$("$dist/everai-console" --version)
echo "proxy-test: $version, unpacked in $dist"
build=${version##*build }; build=${build%)}

# A copy whose site is another build's is refused at start, naming both.
cp -r "$dist" "$work/mixed"
sed -i "s/everai-console-build:$build/everai-console-build:0000000000000000/" "$work/mixed/site/pkg/everai_console.wasm"
grep -aq "everai-console-build:0000000000000000" "$work/mixed/site/pkg/everai_console.wasm" \
  || fail "the archive's wasm does not carry its build id $build"
# It must stop at once; one that serves instead is stopped after 30 s.
if refused=$(cd "$work" && timeout 30 env -i PATH=/usr/bin:/bin LEPTOS_SITE_ADDR="127.0.0.1:$a" \
    CONSOLE_DATABASE_URL="sqlite://$work/mixed.sqlite3" "$work/mixed/everai-console" 2>&1); then
  fail "a console started with another build's site"
fi
echo "$refused" | grep -q "from build 0000000000000000, but this console is build $build" \
  || fail "the refusal does not name both builds: $refused"
rm -rf "$work/mixed"

# --- a database, a platform, two replicas -------------------------------
"$pg_bin/psql" -q "$CONSOLE_TEST_POSTGRES_URL" -c "CREATE DATABASE console_proxy" >/dev/null
database="${CONSOLE_TEST_POSTGRES_URL%/*}/console_proxy"
"$sim_bin" --token proxy-sim --addr "127.0.0.1:$sim" --time-scale 10 >"$work/sim.log" 2>&1 &
pids+=($!)

replica() { # name port
  mkdir -p "$work/$1"
  # Only what RUNNING.md asks for: no LEPTOS_* but the address, no source
  # tree (the working directory is empty).
  (cd "$work/$1" && exec env -i PATH=/usr/bin:/bin \
    LEPTOS_SITE_ADDR="127.0.0.1:$2" \
    EVERAI_ENDPOINT="http://127.0.0.1:$sim" EVERAI_TOKEN=proxy-sim \
    CONSOLE_AUTH=proxy CONSOLE_TRUSTED_PROXIES=127.0.0.1 CONSOLE_OPERATORS=ana,bo \
    CONSOLE_ALLOWED_HOSTS=localhost \
    CONSOLE_DATABASE_URL="$database" CONSOLE_REPLICA_ID="$1" \
    CONSOLE_ACTIONS_PER_MINUTE=2 RUST_LOG=warn \
    "$dist/everai-console") >"$work/$1.log" 2>&1 &
  pids+=($!)
}
replica replica-a "$a"
replica replica-b "$b"
# Token sign-in: each person's own EverAI token (the simulator's, here), a
# session cookie, and a SQLite file of its own.
(mkdir -p "$work/replica-c" && cd "$work/replica-c" && exec env -i PATH=/usr/bin:/bin \
  LEPTOS_SITE_ADDR="127.0.0.1:$c" \
  EVERAI_ENDPOINT="http://127.0.0.1:$sim" EVERAI_TOKEN=proxy-sim \
  CONSOLE_AUTH=token CONSOLE_TRUSTED_PROXIES=127.0.0.1 CONSOLE_ALLOWED_HOSTS=localhost \
  CONSOLE_DATABASE_URL="sqlite://$work/replica-c/console.sqlite3" RUST_LOG=warn \
  "$dist/everai-console") >"$work/replica-c.log" 2>&1 &
pids+=($!)

# --- nginx in front -------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
for user in ana bo vic; do
  printf '%s:%s\n' "$user" "$(openssl passwd -apr1 "$user-password")"
done >"$work/htpasswd"
chmod 644 "$work/htpasswd"

# deploy/nginx/everai-console.conf fitted to this machine: name, replicas,
# ports, certificate, password file, the proxying's path; then anything
# extra (sed expressions) for the second nginx.
site() { # name replica-1 replica-2 https-port http-port [sed expressions...]
  local name=$1 r1=$2 r2=$3 tls=$4 plain=$5
  shift 5
  sed -e "s|127.0.0.1:3000|127.0.0.1:$r1|" -e "s|127.0.0.1:3001|127.0.0.1:$r2|" \
    -e "s|listen 443 ssl|listen 127.0.0.1:$tls ssl|" -e "s|listen 80;|listen 127.0.0.1:$plain;|" \
    -e "s|console.example.com;|localhost;|" \
    -e "s|/etc/ssl/certs/console.example.com.pem|$work/tls.pem|" \
    -e "s|/etc/ssl/private/console.example.com.key|$work/tls.key|" \
    -e "s|/etc/nginx/everai-console.htpasswd|$work/htpasswd|" \
    -e "s|include snippets/everai-console-proxy.conf|include $root/deploy/nginx/everai-console-proxy.conf|" \
    "$@" deploy/nginx/everai-console.conf >"$work/$name-site.conf"
  if grep -vE '^\s*#' "$work/$name-site.conf" | grep -nE '300[01]|example\.com|/etc/|listen (80|443)|include snippets'; then
    fail "deploy/nginx/everai-console.conf changed: the lines above were not fitted to this machine"
  fi
  mkdir -p "$work/$name-tmp"
  cat >"$work/$name.conf" <<CONF
worker_processes 1;
pid $work/$name.pid;
error_log $work/$name-error.log warn;
events { worker_connections 256; }
http {
    log_format upstream '\$remote_user "\$request" \$status \$upstream_addr';
    access_log $work/$name-access.log upstream;
    client_body_temp_path $work/$name-tmp/body;
    proxy_temp_path $work/$name-tmp/proxy;
    fastcgi_temp_path $work/$name-tmp/fastcgi;
    uwsgi_temp_path $work/$name-tmp/uwsgi;
    scgi_temp_path $work/$name-tmp/scgi;
    include $work/$name-site.conf;
}
CONF
  "$nginx" -t -q -p "$work" -e "$work/$name-error.log" -c "$work/$name.conf"
  "$nginx" -p "$work" -e "$work/$name-error.log" -c "$work/$name.conf"
}
site nginx "$a" "$b" "$https" "$http"
# The token replica signs people in itself: nginx's sign-in is off.
site nginx-token "$c" "$c" "$https2" "$http2" -e 's|auth_basic "EverAI Worker Console";|auth_basic off;|'

# Each replica and nginx answer (or the test fails with their logs).
answers() { # port path
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 && head -n 1 <&3) 2>/dev/null) || return 1
  [[ $reply == *" 200 "* ]]
}
deadline=$((SECONDS + 60))
for port in "$a" "$b" "$c"; do
  until answers "$port" /readyz; do
    [ $SECONDS -lt $deadline ] || fail "the replica on $port is not ready within 60 s"
    sleep 0.2
  done
done
for port in "$https" "$https2"; do
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "nginx does not listen on $port within 60 s"
    sleep 0.2
  done
done

cd end2end
PROXY_URL="https://localhost:$https" PROXY_HTTP_URL="http://localhost:$http" \
PROXY_TOKEN_URL="https://localhost:$https2" PROXY_TOKEN="proxy-sim" \
PROXY_ACCESS_LOG="$work/nginx-access.log" PROXY_REPLICAS="127.0.0.1:$a,127.0.0.1:$b" \
PROXY_SIM_URL="http://127.0.0.1:$sim" PROXY_BUILD="$build" \
  npx playwright test -c proxy.config.ts
