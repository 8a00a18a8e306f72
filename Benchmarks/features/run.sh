#!/usr/bin/env bash
# Side-by-side items and point-in-area benchmark (issue 11): Bando vs tipg (PostGIS) vs
# pygeoapi (GeoPackage), on ../shared/data/communes.geojson, wrk -t2 -c16, 5 s warm-up, 20 s.
# Starts everything it uses on free ports in a scratch folder and stops it all on exit.
#
#   BANDO_BIN=.build/release/bando Benchmarks/features/run.sh
#
# Needs: wrk, gdal-bin, postgresql-15 + postgresql-15-postgis-3 (Debian), python3-venv, root
# (the PostgreSQL cluster runs as user postgres).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data/communes.geojson}"
[ -f "$DATA" ] || DATA=/work/shared/data/communes.geojson
BANDO="${BANDO_BIN:-$ROOT/.build/release/bando}"
WORK="$(mktemp -d /tmp/bando-bench-features.XXXXXX)"
PGBIN=/usr/lib/postgresql/15/bin
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ -f "$WORK/pg/postmaster.pid" ]; then su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -m fast stop" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

BBOX="107.55,16.42,107.65,16.50"
FILTER_TEXT="population > 5000 AND S_INTERSECTS(geometry, POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42)))"
FILTER=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$FILTER_TEXT")

echo "== setting up in $WORK"
# --- Bando: one SpatiaLite file.
BANDO_PORT=$(free_port)
"$BANDO" ingest --store "$WORK/bando.sqlite" --dataset communes --title "Communes" "$DATA" >/dev/null
"$BANDO" serve --store "$WORK/bando.sqlite" --host 127.0.0.1 --port "$BANDO_PORT" >"$WORK/bando.log" 2>&1 & PIDS+=($!)

# --- PostGIS: a cluster of our own on a free port, socket in the scratch folder.
PG_PORT=$(free_port)
mkdir -p "$WORK/pg" && chown postgres "$WORK" "$WORK/pg" && chmod 755 "$WORK"
su postgres -c "$PGBIN/initdb -D $WORK/pg -A trust -U postgres" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -o '-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1' -l $WORK/pg.log -w start" >/dev/null
psql -h "$WORK" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE bench" >/dev/null
psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qc "CREATE EXTENSION postgis" >/dev/null
ogr2ogr -f PostgreSQL PG:"host=$WORK port=$PG_PORT user=postgres dbname=bench" "$DATA" -nln communes -lco GEOMETRY_NAME=geom -lco FID=id
psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qc "ANALYZE communes" >/dev/null

# --- Python peers in their own venv.
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --disable-pip-version-check tipg uvicorn pygeoapi gunicorn
TIPG_PORT=$(free_port)
( cd "$WORK" && DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/bench" TIPG_MAX_FEATURES_PER_QUERY=10000 \
  exec "$WORK/venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$TIPG_PORT" --workers 2 --log-level warning ) >"$WORK/tipg.log" 2>&1 & PIDS+=($!)

ogr2ogr -f GPKG "$WORK/communes.gpkg" "$DATA" -nln communes
PYGEO_PORT=$(free_port)
cat >"$WORK/pygeoapi.yml" <<YML
server: {bind: {host: 127.0.0.1, port: $PYGEO_PORT}, url: "http://127.0.0.1:$PYGEO_PORT", mimetype: application/json, encoding: utf-8, language: en-US, limits: {default_items: 100, max_items: 10000}, map: {url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: OSM}}
logging: {level: ERROR}
metadata:
  identification: {title: bench, description: bench, keywords: [bench], terms_of_service: none, url: "http://example.org"}
  license: {name: MIT, url: "https://opensource.org/licenses/MIT"}
  provider: {name: bench, url: "http://example.org"}
  contact: {name: bench}
resources:
  communes:
    type: collection
    title: communes
    description: communes
    keywords: [communes]
    extents: {spatial: {bbox: [102, 8, 110, 24], crs: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    providers:
      - {type: feature, name: SQLiteGPKG, data: $WORK/communes.gpkg, id_field: fid, table: communes}
YML
"$WORK/venv/bin/pygeoapi" openapi generate "$WORK/pygeoapi.yml" --output-file "$WORK/openapi.yml" >/dev/null
( cd "$WORK" && PYGEOAPI_CONFIG="$WORK/pygeoapi.yml" PYGEOAPI_OPENAPI="$WORK/openapi.yml" \
  exec "$WORK/venv/bin/gunicorn" -w 2 -b "127.0.0.1:$PYGEO_PORT" pygeoapi.flask_app:APP ) >"$WORK/pygeoapi.log" 2>&1 & PIDS+=($!)

wait_http "http://127.0.0.1:$BANDO_PORT/ogc/collections"
wait_http "http://127.0.0.1:$TIPG_PORT/collections"
wait_http "http://127.0.0.1:$PYGEO_PORT/collections"

# --- Same features? Compare the ids each server returns for both queries.
declare -A URLS
URLS[bando_bbox]="http://127.0.0.1:$BANDO_PORT/ogc/collections/communes/items?bbox=$BBOX&limit=100"
URLS[tipg_bbox]="http://127.0.0.1:$TIPG_PORT/collections/public.communes/items?bbox=$BBOX&limit=100"
URLS[pygeoapi_bbox]="http://127.0.0.1:$PYGEO_PORT/collections/communes/items?bbox=$BBOX&limit=100&f=json"
URLS[bando_filter]="http://127.0.0.1:$BANDO_PORT/ogc/collections/communes/items?filter=$FILTER&limit=100"
URLS[tipg_filter]="http://127.0.0.1:$TIPG_PORT/collections/public.communes/items?filter=$FILTER&filter-lang=cql2-text&limit=100"
URLS[pygeoapi_filter]="http://127.0.0.1:$PYGEO_PORT/collections/communes/items?filter=$FILTER&limit=100&f=json"
echo "== features returned (count, sorted commune ids)"
for k in bando_bbox tipg_bbox pygeoapi_bbox bando_filter tipg_filter pygeoapi_filter; do
  printf '%-16s ' "$k"; python3 - "${URLS[$k]}" <<'PY'
import sys, json, urllib.request
try:
    d = json.load(urllib.request.urlopen(sys.argv[1]))
    ids = sorted(int(f["properties"]["commune_id"]) for f in d["features"])
    print(len(ids), hash(tuple(ids)))
except Exception as e:
    print("error:", e)
PY
done

# --- wrk: requests/s, p50/p99, bytes per response.
run_wrk() {
  wrk -t2 -c16 -d5s "$1" >/dev/null 2>&1 || true
  local out; out=$(wrk -t2 -c16 -d20s --latency "$1")
  local rps p50 p99 bytes
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bytes=$(curl -fs "$1" | wc -c)
  echo "$rps $p50 $p99 $bytes"
}
echo "== wrk -t2 -c16, 5 s warm-up, 20 s"
printf '%-16s %12s %10s %10s %10s\n' query req/s p50 p99 bytes
declare -A RPS
for k in bando_bbox tipg_bbox pygeoapi_bbox bando_filter tipg_filter pygeoapi_filter; do
  read -r rps p50 p99 bytes < <(run_wrk "${URLS[$k]}")
  RPS[$k]=$rps
  printf '%-16s %12s %10s %10s %10s\n' "$k" "$rps" "$p50" "$p99" "$bytes"
done
for q in bbox filter; do
  python3 -c "import sys; b,t,p = map(float, sys.argv[1:]); print(f'$q: Bando/tipg = {b/t:.1f}x, Bando/pygeoapi = {b/p:.1f}x')" \
    "${RPS[bando_$q]}" "${RPS[tipg_$q]}" "${RPS[pygeoapi_$q]}" || true
done

# --- Point in area: 10 000 random points over Vietnam, Bando's API vs the same join in PostGIS.
python3 - "$WORK" <<'PY'
import random, json, sys
random.seed(20261123)
pts = [[round(random.uniform(102.14, 109.47), 6), round(random.uniform(8.41, 23.39), 6)] for _ in range(10000)]
json.dump({"dataset": "communes", "points": pts}, open(sys.argv[1] + "/points.json", "w"))
with open(sys.argv[1] + "/points.csv", "w") as f:
    for i, (x, y) in enumerate(pts): f.write(f"{i},{x},{y}\n")
PY
psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qc "CREATE TABLE pts (i int, x float8, y float8)" >/dev/null
psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qc "\\copy pts FROM '$WORK/points.csv' CSV" >/dev/null
echo "== point in area, 10 000 points"
best() { sort -n | head -1; }
BANDO_S=$(for _ in 1 2 3 4 5; do curl -fs -o "$WORK/bando_pia.json" -w '%{time_total}\n' -H 'Content-Type: application/json' \
  --data-binary @"$WORK/points.json" "http://127.0.0.1:$BANDO_PORT/api/analysis/point-in-area"; done | best)
PG_SQL="SELECT p.i, c.commune_id::bigint FROM pts p JOIN communes c ON ST_Contains(c.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) ORDER BY 1, 2"
PG_S=$(for _ in 1 2 3 4 5; do
  psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qAt -c '\timing on' -c "$PG_SQL" -o /dev/null | awk '/Time:/ {print $2/1000}'
done | best)
psql -h "$WORK" -p "$PG_PORT" -U postgres -d bench -qAt -F, -c "$PG_SQL" >"$WORK/pg_pia.csv"
python3 - "$WORK" "$BANDO_S" "$PG_S" <<'PY'
import json, sys
w, b, p = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
d = json.load(open(w + "/bando_pia.json"))
mine = sorted((i, int(a["properties"]["commune_id"])) for i, r in enumerate(d["results"]) for a in r["areas"])
pg = sorted(tuple(map(int, l.split(","))) for l in open(w + "/pg_pia.csv") if l.strip())
print(f"Bando   {10000/b:10.0f} points/s ({b*1000:.1f} ms, over HTTP, JSON answer)")
print(f"PostGIS {10000/p:10.0f} points/s ({p*1000:.1f} ms, server time of the join)")
print(f"ratio   {p/b:.2f}x; matches Bando {len(mine)}, PostGIS {len(pg)}, identical: {mine == pg}")
PY
echo "== done; everything started here is being stopped"
