#!/usr/bin/env bash
# Runs a command with a private PostgreSQL server: a fresh cluster in a
# temporary directory, listening on loopback only, stopped and deleted when
# the command ends (however it ends). The command gets its URL in
# CONSOLE_TEST_POSTGRES_URL.
#
#   scripts/with-postgres.sh cargo test -p console-store
#
# PostgreSQL refuses to run as root; as root, the server runs as the
# `postgres` user that Debian's package creates.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed; run scripts/setup.sh --test" >&2
  exit 1
fi

# A free port: the first of a few that nothing answers on.
port=""
for p in $(seq "${PG_PORT:-55432}" $(( ${PG_PORT:-55432} + 20 ))); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "with-postgres: no free port from ${PG_PORT:-55432}" >&2; exit 1; }

dir=$(mktemp -d -t console-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
# From inside the temporary directory: the postgres user may not be
# allowed into the caller's working directory.
pg() { (cd "$dir" && "${as_pg[@]}" "$@"); }
stop() {
  pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export CONSOLE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
