#!/usr/bin/env bash
# Serving from PostGIS (issue 21), one run, one PostGIS database: Bando on PostGIS
# (`bando serve --store postgres://…`), Bando on SpatiaLite (the default) and tipg reading the
# very table Bando on PostGIS wrote (same rows, same GiST index), for
#   - uncached tiles: the shared z10–z14 list, at random (Bando with --tile-cache-mb 0);
#   - OGC API items: a bbox query and a CQL2 filter (attribute AND S_INTERSECTS), 100 per page.
# wrk -t2 -c16, 5 s warm-up, 20 s each; the features returned are compared with Bando's.
# Targets: Bando on PostGIS >= 5x tipg for tiles and >= 3x for items.
#
#   swift build -c release --product bando && Benchmarks/store/serve-postgis.sh [path/to/bando]
#
# Needs: wrk, postgresql-15 + postgresql-15-postgis-3, python3-venv (the Makefile's packages).
# Starts everything on free ports (the cluster through Tests/Postgres/cluster.sh) and stops it
# all on exit. Output is also saved to Benchmarks/results/serve-postgis-<date>.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA=${DATA:-$SHARED/data/communes.geojson}
LIST=${LIST:-$SHARED/bench/tiles-z10-z14.txt}
BANDO=${1:-$ROOT/.build/release/bando}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
[ -f "$DATA" ] || { echo "Workload data not found: $DATA (set SHARED or DATA)"; exit 2; }
[ -f "$LIST" ] || { echo "Tile list not found: $LIST (set SHARED or LIST)"; exit 2; }
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release --product bando' first"; exit 2; }
mkdir -p "$ROOT/Benchmarks/results"
exec > >(tee "$ROOT/Benchmarks/results/serve-postgis-$(date +%F).txt") 2>&1

WORK=$(mktemp -d /tmp/bando-bench-serve-pg.XXXXXX); chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  "$ROOT/Tests/Postgres/cluster.sh" stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 1200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }

VENV=$ROOT/Benchmarks/.venv-peers
if [ ! -x "$VENV/bin/uvicorn" ]; then
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check tipg==1.6.1 uvicorn==0.54.0
fi

echo "== $(date -Is) on $(nproc) cores; load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
URL=$("$ROOT/Tests/Postgres/cluster.sh" start "$WORK/pg")
PG="$URL?schema=bando"
echo "   data: $(basename "$DATA"); PostgreSQL $(psql -X -A -t "$URL" -c 'SHOW server_version'), PostGIS $(psql -X -A -t "$URL" -c 'SELECT postgis_lib_version()')"

"$BANDO" ingest "$DATA" --store "$PG" --dataset communes --title "Communes" >"$WORK/ingest-pg.log" 2>&1 || { cat "$WORK/ingest-pg.log"; exit 1; }
"$BANDO" ingest "$DATA" --store "$WORK/bando.sqlite" --dataset communes --title "Communes" >"$WORK/ingest-sqlite.log" 2>&1 || { cat "$WORK/ingest-sqlite.log"; exit 1; }
TABLE=$(psql -X -A -t "$URL" -c "SELECT v.feature_table FROM bando.datasets d JOIN bando.dataset_versions v ON v.id = d.current_version_id WHERE d.slug = 'communes'")
echo "   Bando's PostGIS table: bando.$TABLE ($(psql -X -A -t "$URL" -c "SELECT count(*) FROM bando.\"$TABLE\"") rows); tipg serves the same table"

# Started in this shell, not in a $(…) subshell, so that the servers' PIDs reach the clean-up.
serve() {   # name store port
  "$BANDO" serve --store "$2" --host 127.0.0.1 --port "$3" --tile-cache-mb 0 --tiles "$WORK/no-tilesets" \
    --access-log off --verify-every-hours 0 --harvest-tick-seconds 0 --page-cache-seconds 0 --downloads-cache "$WORK/downloads-$1" >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$3/tiles/communes.json"
}
P_PG=$(free_port); serve bando-postgis "$PG" "$P_PG"
P_SQ=$(free_port); serve bando-sqlite "$WORK/bando.sqlite" "$P_SQ"
P_TIPG=$(free_port)
( cd "$WORK" && DATABASE_URL="${URL/postgres:/postgresql:}" TIPG_DB_SCHEMAS='["bando"]' \
  exec "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$P_TIPG" --workers 2 --log-level warning ) >"$WORK/tipg.log" 2>&1 & PIDS+=($!)
wait_http "http://127.0.0.1:$P_TIPG/collections"
TIPG_C="bando.$TABLE"

BBOX="107.55,16.42,107.65,16.50"
POLY="POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
F_BANDO=$(enc "population > 5000 AND S_INTERSECTS(geometry, $POLY)")
F_TIPG=$(enc "population > 5000 AND S_INTERSECTS(geom, $POLY)")
declare -A URLS
for who in pg sq; do
  port=$([ $who = pg ] && echo "$P_PG" || echo "$P_SQ")
  URLS[bando_${who}_bbox]="http://127.0.0.1:$port/ogc/collections/communes/items?bbox=$BBOX&limit=100"
  URLS[bando_${who}_filter]="http://127.0.0.1:$port/ogc/collections/communes/items?filter=$F_BANDO&filter-lang=cql2-text&limit=100"
done
URLS[tipg_bbox]="http://127.0.0.1:$P_TIPG/collections/$TIPG_C/items?bbox=$BBOX&limit=100"
URLS[tipg_filter]="http://127.0.0.1:$P_TIPG/collections/$TIPG_C/items?filter=$F_TIPG&filter-lang=cql2-text&limit=100"

# Features returned: count and a digest of the sorted commune ids.
features() {
  python3 - "$1" <<'PY'
import sys, json, urllib.request, hashlib
try:
    d = json.load(urllib.request.urlopen(sys.argv[1]))
    ids = sorted(int(float(f["properties"]["commune_id"])) for f in d["features"])
    print(len(ids), hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12])
except Exception as e:
    print("error", type(e).__name__)
PY
}
# Tiles: every tile of the list from each server; how many decode-equal to Bando on SpatiaLite's
# bytes (Bando on PostGIS must match exactly) and the mean size.
tile_check() {   # prefix suffix
  python3 - "$LIST" "$1" "$2" "http://127.0.0.1:$P_SQ/tiles/communes/" ".mvt" <<'PY'
import sys, urllib.request
lst, prefix, suffix, ref_prefix, ref_suffix = sys.argv[1:6]
same = total = size = 0
for line in open(lst):
    t = line.strip()
    if not t: continue
    a = urllib.request.urlopen(prefix + t + suffix).read()
    b = urllib.request.urlopen(ref_prefix + t + ref_suffix).read()
    total += 1; size += len(a); same += a == b
print(total, same, size // max(total, 1))
PY
}
run_wrk_url() {
  wrk -t2 -c16 -d"${WARMUP}s" --timeout 30s "$1" >/dev/null 2>&1 || true
  local out; out=$(wrk -t2 -c16 -d"${DURATION}s" --timeout 30s --latency "$1")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1=="99%" {print $2}' <<<"$out") $(grep -c 'Non-2xx\|Socket errors' <<<"$out" || true)"
}
run_wrk_tiles() {   # base prefix suffix
  wrk -t2 -c16 -d"${WARMUP}s" -s "$ROOT/Benchmarks/tiles/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" zxy >/dev/null
  wrk -t2 -c16 -d"${DURATION}s" -s "$ROOT/Benchmarks/tiles/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" zxy \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }; print r["rps"], r["p99_ms"] "ms", r["errors"] + r["non2xx"] }'
}

echo
echo "== Items: features returned (count, digest of sorted ids)"
for k in bando_pg_bbox bando_sq_bbox tipg_bbox bando_pg_filter bando_sq_filter tipg_filter; do
  printf '  %-18s %s\n' "$k" "$(features "${URLS[$k]}")"
done
echo
echo "== Tiles: $(wc -l < "$LIST") tiles of the shared list (tiles, identical to Bando on SpatiaLite, mean bytes)"
printf '  %-18s %s\n' bando_pg_tiles "$(tile_check "http://127.0.0.1:$P_PG/tiles/communes/" .mvt)"
printf '  %-18s %s\n' tipg_tiles "$(tile_check "http://127.0.0.1:$P_TIPG/collections/$TIPG_C/tiles/WebMercatorQuad/" "")"

echo
echo "== wrk -t2 -c16, ${WARMUP} s warm-up, ${DURATION} s   (load now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-18s %10s %10s %7s\n' case req/s p99 errors
declare -A RPS
for k in bando_pg_bbox bando_sq_bbox tipg_bbox bando_pg_filter bando_sq_filter tipg_filter; do
  read -r rps p99 errs < <(run_wrk_url "${URLS[$k]}")
  RPS[$k]=$rps; printf '  %-18s %10s %10s %7s\n' "$k" "$rps" "$p99" "$errs"
done
for who in pg sq; do
  port=$([ $who = pg ] && echo "$P_PG" || echo "$P_SQ")
  read -r rps p99 errs < <(run_wrk_tiles "http://127.0.0.1:$port" "/tiles/communes/" ".mvt")
  RPS[bando_${who}_tiles]=$rps; printf '  %-18s %10s %10s %7s\n' "bando_${who}_tiles" "$rps" "$p99" "$errs"
done
read -r rps p99 errs < <(run_wrk_tiles "http://127.0.0.1:$P_TIPG" "/collections/$TIPG_C/tiles/WebMercatorQuad/" "")
RPS[tipg_tiles]=$rps; printf '  %-18s %10s %10s %7s\n' tipg_tiles "$rps" "$p99" "$errs"

echo
python3 - "${RPS[bando_pg_tiles]}" "${RPS[bando_sq_tiles]}" "${RPS[tipg_tiles]}" \
  "${RPS[bando_pg_bbox]}" "${RPS[bando_sq_bbox]}" "${RPS[tipg_bbox]}" \
  "${RPS[bando_pg_filter]}" "${RPS[bando_sq_filter]}" "${RPS[tipg_filter]}" <<'PY'
import sys
v = list(map(float, sys.argv[1:]))
for name, (pg, sq, tipg), target in [("tiles (uncached)", v[0:3], 5), ("items bbox", v[3:6], 3), ("items CQL2", v[6:9], 3)]:
    print(f"  {name:17s} Bando on PostGIS / tipg = {pg / tipg:5.1f}x (target {target}x)   Bando on SpatiaLite / tipg = {sq / tipg:5.1f}x   PostGIS / SpatiaLite = {pg / sq:4.2f}")
PY
