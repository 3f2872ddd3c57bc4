#!/usr/bin/env bash
# Run a command with PIPELINE_TEST_DATABASE_URL pointing at PostgreSQL.
# Uses the URL if one is set; otherwise starts a throwaway cluster on a free local port
# (installing Debian's postgresql first when it is missing and we are root) and removes it after.
set -euo pipefail

if [ -n "${PIPELINE_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

PGBIN=$(find_pg_bin)
if [ -z "$PGBIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed. Install it (apt-get install postgresql) or set PIPELINE_TEST_DATABASE_URL." >&2
    exit 1
  fi
  echo "Installing PostgreSQL from Debian's packages..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_pg_bin)
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

WORK=$(mktemp -d -t pipeline-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  as_owner "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

as_owner "$PGBIN/initdb" -D "$WORK/data" -U pipeline --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U pipeline pipeline_test
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT for this run" >&2

export PIPELINE_TEST_DATABASE_URL="postgresql+psycopg://pipeline@127.0.0.1:$PORT/pipeline_test"
"$@"
