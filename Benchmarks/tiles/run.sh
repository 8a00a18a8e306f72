#!/usr/bin/env bash
# Issue 9 side by side, one run: Bando's tiles against tipg (PostGIS ST_AsMVT) uncached and
# against nginx (static files) cached, on the real communes data and the fixed list of 200
# z10–z14 tiles, requested at random by wrk (2 threads, 16 connections, 20 s after 5 s warm-up).
# Installs what it needs (apt: postgresql-15-postgis-3 nginx wrk; pip: a venv of its own),
# starts every server itself on free ports and stops them all on exit.
#
#   Benchmarks/tiles/run.sh [path/to/bando]      (default .build/release/bando)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA=${DATA:-$SHARED/data/communes.geojson}
LIST=${LIST:-$SHARED/bench/tiles-z10-z14.txt}
BANDO=${1:-$ROOT/.build/release/bando}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
OUT=$ROOT/Benchmarks/out/tiles
mkdir -p "$OUT"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

[ -f "$DATA" ] || { echo "Workload data not found: $DATA (set SHARED or DATA)"; exit 2; }
[ -f "$LIST" ] || { echo "Tile list not found: $LIST (set SHARED or LIST)"; exit 2; }
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release' first"; exit 2; }

missing=""
for p in postgresql-15-postgis-3 nginx wrk gdal-bin curl; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
VENV=$OUT/venv
if [ ! -x "$VENV/bin/uvicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check tipg==1.6.1 uvicorn==0.54.0 mapbox-vector-tile==2.2.0
fi
PGBIN=/usr/lib/postgresql/15/bin

PIDS=()
PGDIR=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true
  fi
  [ -n "$PGDIR" ] && rm -rf "$PGDIR"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }
# Peak resident memory (VmHWM) of a process and all its descendants, in MB.
peak_rss_mb() {
  local total=0 pids="$*" all=""
  while [ -n "$pids" ]; do
    all="$all $pids"; local next=""
    for p in $pids; do next="$next $(pgrep -P "$p" || true)"; done
    pids=$(echo $next)
  done
  for p in $all; do
    kb=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}
# Mean body bytes over the 200 tiles, and a check that each decodes as MVT.
tile_bytes() {   # prefix suffix order
  local dir=$OUT/fetched-$RANDOM; mkdir -p "$dir"
  while IFS= read -r line; do
    IFS=/ read -r z x y <<<"$line"
    if [ "$3" = zyx ]; then path="$z/$y/$x"; else path="$z/$x/$y"; fi
    curl -s -o "$dir/$z-$x-$y.mvt" "$1$path$2"
  done < "$LIST"
  "$VENV/bin/python" - "$dir" <<'PY'
import sys, os, glob, mapbox_vector_tile
files = sorted(glob.glob(sys.argv[1] + "/*.mvt")); sizes = [os.path.getsize(f) for f in files]
bad = 0
for f in files:
    try:
        t = mapbox_vector_tile.decode(open(f, "rb").read())
        if not any(l["features"] for l in t.values()): bad += 1
    except Exception: bad += 1
print(f"{sum(sizes) / max(1, len(sizes)):.0f} {bad}")
PY
  rm -rf "$dir"
}
# wrk: warm-up, then the measured run; prints "rps p50 p99 errors".
run_wrk() {   # base-url prefix suffix order
  wrk -t2 -c16 -d"${WARMUP}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" "$4" >/dev/null
  wrk -t2 -c16 -d"${DURATION}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" "$4" | tee -a "$OUT/wrk.log" \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }; print r["rps"], r["p50_ms"], r["p99_ms"], r["errors"] + r["non2xx"] }'
}
: > "$OUT/wrk.log"

echo "== Loading $(basename "$DATA") into Bando and PostGIS"
STORE=$OUT/bando.sqlite
rm -f "$STORE" "$STORE"-*
"$BANDO_LOAD" >/dev/null 2>&1 || true
