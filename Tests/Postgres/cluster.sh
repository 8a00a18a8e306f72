#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS cluster for the tests (issue 21): no system service assumed.
#
#   cluster.sh start DIR   makes a cluster in DIR (new or empty) on a free loopback port, creates
#                          the database `bando_test` with PostGIS, prints its URL
#   cluster.sh url DIR     prints the URL of the cluster running in DIR
#   cluster.sh stop DIR    stops it and removes DIR
#
# initdb refuses to run as root: as root, the server runs as the `postgres` user Debian's
# packages create; otherwise as the current user.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|url|stop DIR" >&2; exit 2; }

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server found (install postgresql-15 postgresql-15-postgis-3, or set PG_BIN)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/bando_test"; }

case "$command" in
start)
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || { echo "$dir is not empty" >&2; exit 1; }
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    # A free port: the kernel picks one for a socket bound to port 0, then it is closed.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" > "$dir/port"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Durability is not what the tests check: fsync off keeps the many small commits cheap.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE bando_test" >/dev/null
    "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d bando_test -c "CREATE EXTENSION postgis" >/dev/null
    url
    ;;
url)
    url
    ;;
stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|url|stop DIR" >&2; exit 2
    ;;
esac
