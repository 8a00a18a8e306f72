#!/usr/bin/env bash
# Side-by-side items and point-in-area benchmark (issue 11): Bando (`bando serve`, release
# build) vs tipg (PostGIS behind asyncpg) vs pygeoapi (its SQLite/GeoPackage provider), on
# ../shared/data/communes.geojson (11 163 polygons); wrk -t2 -c16, 5 s warm-up, 20 s.
# Starts everything it uses on free ports and stops it all on exit (nothing is left running).
#
#   swift build -c release --product bando && Benchmarks/features/run.sh [path/to/bando]
#
# Needs: wrk, gdal-bin, postgresql-15 + postgresql-15-postgis-3 (Debian), python3-venv,
# libsqlite3-mod-spatialite, root (the PostgreSQL cluster runs as user postgres, since initdb
# refuses root). The peers' Python packages go in Benchmarks/.venv-peers (git-ignored), made
# from Debian's /usr/bin/python3 so that sqlite3 can load SpatiaLite for pygeoapi.
# Output is also saved to Benchmarks/results/features-<date>.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data/communes.geojson}"
[ -f "$DATA" ] || DATA=/work/shared/data/communes.geojson
BANDO="${1:-${BANDO_BIN:-$ROOT/.build/release/bando}}"
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release --product bando' first"; exit 2; }
DURATION="${DURATION:-20}"
PGBIN=/usr/lib/postgresql/15/bin
VENV="$ROOT/Benchmarks/.venv-peers"
RESULTS="$ROOT/Benchmarks/results/features-$(date +%F).txt"
mkdir -p "$ROOT/Benchmarks/results"
exec > >(tee "$RESULTS") 2>&1

WORK="$(mktemp -d /tmp/bando-bench-features.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ -f "$WORK/pg/postmaster.pid" ]; then su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -m fast -w stop" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 240); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

echo "== $(date -Is) on $(nproc) cores; load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   data: $DATA"

# --- Peers' Python packages (pinned), once.
if [ ! -x "$VENV/bin/gunicorn" ] || [ ! -x "$VENV/bin/uvicorn" ]; then
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check tipg==1.6.1 uvicorn==0.54.0 pygeoapi==0.21.0 gunicorn==27.0.1
fi

# --- Bando: one SpatiaLite file, the real CLI.
"$BANDO" ingest "$DATA" --store "$WORK/bando.sqlite" --dataset communes --title "Communes" >"$WORK/ingest.log" 2>&1 \
  || { cat "$WORK/ingest.log"; exit 1; }
BANDO_PORT=$(free_port)
"$BANDO" serve --store "$WORK/bando.sqlite" --host 127.0.0.1 --port "$BANDO_PORT" >"$WORK/bando.log" 2>&1 & PIDS+=($!)
BANDO_PID=$!

# --- PostGIS: a cluster of our own on a free port, socket in the scratch folder.
PG_PORT=$(free_port)
mkdir -p "$WORK/pg" "$WORK/pgrun" && chown postgres "$WORK/pg" "$WORK/pgrun"
su postgres -c "$PGBIN/initdb -D $WORK/pg -A trust -U postgres" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -o '-p $PG_PORT -k $WORK/pgrun -c listen_addresses=127.0.0.1 -c shared_buffers=256MB' -l $WORK/pgrun/pg.log -w start" >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres)
"${PSQL[@]}" -qc "CREATE DATABASE bench" >/dev/null
"${PSQL[@]}" -d bench -qc "CREATE EXTENSION postgis" >/dev/null
ogr2ogr -f PostgreSQL PG:"host=127.0.0.1 port=$PG_PORT user=postgres dbname=bench" "$DATA" -nln communes -lco GEOMETRY_NAME=geom -lco FID=id
"${PSQL[@]}" -d bench -qc "ANALYZE communes" >/dev/null

TIPG_PORT=$(free_port)
( cd "$WORK" && DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/bench" \
  exec "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$TIPG_PORT" --workers 2 --log-level warning ) >"$WORK/tipg.log" 2>&1 & PIDS+=($!)

# --- pygeoapi on a GeoPackage of the same file.
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
PYGEOAPI_CONFIG="$WORK/pygeoapi.yml" PYGEOAPI_OPENAPI="$WORK/openapi.yml" \
  "$VENV/bin/pygeoapi" openapi generate "$WORK/pygeoapi.yml" --output-file "$WORK/openapi.yml" >/dev/null
( cd "$WORK" && PYGEOAPI_CONFIG="$WORK/pygeoapi.yml" PYGEOAPI_OPENAPI="$WORK/openapi.yml" \
  exec "$VENV/bin/gunicorn" -w 2 -b "127.0.0.1:$PYGEO_PORT" pygeoapi.flask_app:APP ) >"$WORK/pygeoapi.log" 2>&1 & PIDS+=($!)

wait_http "http://127.0.0.1:$BANDO_PORT/ogc/collections"
wait_http "http://127.0.0.1:$TIPG_PORT/collections"
wait_http "http://127.0.0.1:$PYGEO_PORT/collections"

# --- The two queries. The geometry property is `geometry` in Bando, the column `geom` in tipg.
# pygeoapi's SQLite/GeoPackage provider does not apply `filter` (it answers unfiltered): the id
# comparison below shows it, and that ratio is then marked as not comparable.
BBOX="107.55,16.42,107.65,16.50"
POLY="POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"
enc() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
F_BANDO=$(enc "population > 5000 AND S_INTERSECTS(geometry, $POLY)")
F_TIPG=$(enc "population > 5000 AND S_INTERSECTS(geom, $POLY)")
# pygeoapi parses filter-lang=cql-text as ECQL (INTERSECTS, not S_INTERSECTS).
F_PYGEO=$(enc "population > 5000 AND INTERSECTS(geometry, $POLY)")
declare -A URLS
URLS[bando_bbox]="http://127.0.0.1:$BANDO_PORT/ogc/collections/communes/items?bbox=$BBOX&limit=100"
URLS[tipg_bbox]="http://127.0.0.1:$TIPG_PORT/collections/public.communes/items?bbox=$BBOX&limit=100"
URLS[pygeoapi_bbox]="http://127.0.0.1:$PYGEO_PORT/collections/communes/items?bbox=$BBOX&limit=100&f=json"
URLS[bando_filter]="http://127.0.0.1:$BANDO_PORT/ogc/collections/communes/items?filter=$F_BANDO&filter-lang=cql2-text&limit=100"
URLS[tipg_filter]="http://127.0.0.1:$TIPG_PORT/collections/public.communes/items?filter=$F_TIPG&filter-lang=cql2-text&limit=100"
URLS[pygeoapi_filter]="http://127.0.0.1:$PYGEO_PORT/collections/communes/items?filter=$F_PYGEO&filter-lang=cql-text&limit=100&f=json"
KEYS=(bando_bbox tipg_bbox pygeoapi_bbox bando_filter tipg_filter pygeoapi_filter)

# Features returned: count and the sorted commune ids, compared with Bando's.
features() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, json, urllib.request, urllib.error, hashlib
try:
    d = json.load(urllib.request.urlopen(sys.argv[1]))
    ids = sorted(int(float(f["properties"]["commune_id"])) for f in d["features"])
    print(len(ids), hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12])
except urllib.error.HTTPError as e:
    print(f"HTTP {e.code}:", e.read()[:300].decode(errors="replace").replace("\n", " "), file=sys.stderr)
    print("error", f"HTTP_{e.code}")
PY
}
echo
echo "== Features returned (count, digest of the sorted commune ids)"
declare -A SAME
for k in "${KEYS[@]}"; do
  read -r n digest < <(features "${URLS[$k]}")
  q=${k#*_}; read -r bn bd < <(features "${URLS[bando_$q]}")
  if [ "$n" = "$bn" ] && [ "$digest" = "$bd" ]; then SAME[$k]=yes; else SAME[$k]=NO; fi
  printf '  %-16s %6s features  %-14s same as Bando: %s\n' "$k" "$n" "$digest" "${SAME[$k]}"
  if [ "$n" = error ]; then features "${URLS[$k]}" 2>&1 >/dev/null | sed 's/^/      /'; fi
done

# --- wrk: requests/s, p50/p99, bytes per response.
to_ms() { /usr/bin/python3 -c 'import sys,re; v=sys.argv[1]; m=re.match(r"([\d.]+)(us|ms|s|m)$", v); print("%.2f" % (float(m[1]) * {"us": .001, "ms": 1, "s": 1000, "m": 60000}[m[2]]) if m else "?")' "$1"; }
run_wrk() {
  wrk -t2 -c16 -d5s --timeout 30s "$1" >/dev/null 2>&1 || true
  local out; out=$(wrk -t2 -c16 -d"${DURATION}s" --timeout 30s --latency "$1")
  local rps p50 p99 errs bytes
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  errs=$(awk '/Non-2xx|Socket errors/ {s = s $0 "; "} END {print (s == "" ? "0" : "some")}' <<<"$out")
  bytes=$(curl -s "$1" | wc -c)
  echo "$rps $p50 $p99 $bytes $errs"
}
echo
echo "== wrk -t2 -c16, 5 s warm-up, ${DURATION} s   (load now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-16s %10s %10s %10s %10s %7s %6s\n' query req/s p50_ms p99_ms bytes errors same
declare -A RPS
for k in "${KEYS[@]}"; do
  read -r rps p50 p99 bytes errs < <(run_wrk "${URLS[$k]}")
  RPS[$k]=$rps
  printf '  %-16s %10s %10s %10s %10s %7s %6s\n' "$k" "$rps" "$p50" "$p99" "$bytes" "$errs" "${SAME[$k]}"
done
echo
for q in bbox filter; do
  /usr/bin/python3 -c "
import sys
b, t, p, same_p = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
note = '' if same_p == 'yes' else ' (pygeoapi did not return the same features: not comparable)'
print(f'  $q: Bando/tipg = {b/t:.1f}x (target 5x), Bando/pygeoapi = {b/p:.1f}x{note}')
" "${RPS[bando_$q]}" "${RPS[tipg_$q]}" "${RPS[pygeoapi_$q]}" "${SAME[pygeoapi_$q]}"
done

# --- Point in area: 10 000 random points over Vietnam, Bando's API vs the same join in PostGIS.
/usr/bin/python3 - "$WORK" <<'PY'
import random, json, sys
random.seed(20261123)
pts = [[round(random.uniform(102.14, 109.47), 6), round(random.uniform(8.41, 23.39), 6)] for _ in range(10000)]
json.dump({"dataset": "communes", "points": pts}, open(sys.argv[1] + "/points.json", "w"))
with open(sys.argv[1] + "/points.csv", "w") as f:
    for i, (x, y) in enumerate(pts): f.write(f"{i},{x},{y}\n")
PY
"${PSQL[@]}" -d bench -qc "CREATE TABLE pts (i int, x float8, y float8)" >/dev/null
"${PSQL[@]}" -d bench -qc "\\copy pts FROM '$WORK/points.csv' CSV" >/dev/null
"${PSQL[@]}" -d bench -qc "ANALYZE pts" >/dev/null
echo
echo "== Point in area: 10 000 random points over Vietnam against the 11 163 communes (best of 5)"
best() { sort -g | head -1; }
curl -fs -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/points.json" "http://127.0.0.1:$BANDO_PORT/api/analysis/point-in-area"
BANDO_TIMES=$(for _ in 1 2 3 4 5; do curl -fs -o "$WORK/bando_pia.json" -w '%{time_total}\n' -H 'Content-Type: application/json' \
  --data-binary @"$WORK/points.json" "http://127.0.0.1:$BANDO_PORT/api/analysis/point-in-area"; done)
BANDO_S=$(best <<<"$BANDO_TIMES")
PG_SQL="SELECT p.i, c.commune_id FROM pts p JOIN communes c ON ST_Contains(c.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) ORDER BY 1, 2"
"${PSQL[@]}" -d bench -qAt -c "EXPLAIN $PG_SQL" | grep -q "communes_geom_geom_idx" && PLAN="GiST index used" || PLAN="GiST index NOT in the plan"
PG_TIMES=$(for _ in 1 2 3 4 5; do
  "${PSQL[@]}" -d bench -qAt -c '\timing on' -c "$PG_SQL" -o /dev/null | awk '/Time:/ {print $2/1000}'
done)
PG_S=$(best <<<"$PG_TIMES")
"${PSQL[@]}" -d bench -qAt -F, -c "$PG_SQL" >"$WORK/pg_pia.csv"
/usr/bin/python3 - "$WORK" "$BANDO_S" "$PG_S" "$PLAN" <<'PY'
import json, sys, os
w, b, p, plan = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
d = json.load(open(w + "/bando_pia.json"))
def ident(v):
    # The same id whatever its spelling: Bando writes a real field's whole values as 7131513.0
    # (a decimal point, so clients type the field from what they see), psql prints 7131513.
    try:
        x = float(v)
        return str(int(x)) if x.is_integer() else str(x)
    except ValueError:
        return str(v).strip()
mine = sorted((i, ident(a["properties"]["commune_id"])) for i, r in enumerate(d["results"]) for a in r["areas"])
pg = sorted((int(l.split(",")[0]), ident(l.split(",")[1])) for l in open(w + "/pg_pia.csv") if l.strip())
size = os.path.getsize(w + "/bando_pia.json")
print(f"  {'':8} {'points/s':>10} {'best ms':>9}")
print(f"  {'Bando':8} {10000/b:10.0f} {b*1000:9.1f}   over HTTP: JSON in, JSON out ({size} bytes)")
print(f"  {'PostGIS':8} {10000/p:10.0f} {p*1000:9.1f}   the join alone through psql ({plan})")
print(f"  Bando/PostGIS = {p/b:.2f}x (target >= 1x); points in a commune: Bando {len(set(i for i, _ in mine))}, "
      f"PostGIS {len(set(i for i, _ in pg))}; identical answers: {mine == pg}")
if mine != pg:
    a, c = set(mine), set(pg)
    print("  only Bando:", sorted(a - c)[:5], " only PostGIS:", sorted(c - a)[:5])
PY
echo
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg); Bando peak RSS: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$BANDO_PID/status 2>/dev/null || echo '?')"
echo "== saved to $RESULTS; stopping everything started here"
