#!/usr/bin/env bash
# Issue 23, scale: 2 million polygons (the communes and 179 shifted copies) and 1 million points
# (addresses inside Viet Nam), made by scale-data.py, published and served. One run measures:
#   - bando ingest of both files into a fresh SpatiaLite store: seconds, peak memory, store size;
#   - bando serve, cache off: from the moment it accepts connections, the first tile of each
#     zoom z6–z14 (the first tile of whole-country-z6-z14.txt at each zoom) for the polygons and,
#     at the same time, for the points, one request after another; the slowest, and its zoom;
#     then the preparation time the server logs ("tileset … prepared in …");
#   - uncached req/s over the whole-country list (wrk -t2 -c16, 20 s after 5 s warm-up; the
#     points are requested on the same tiles, which all lie over communes) from Bando and from
#     tipg (PostGIS ST_AsMVT, 2 uvicorn workers) on the same files, loaded with ogr2ogr (GIST
#     index);
#   - peak RSS (VmHWM) of bando serve over its whole run and of tipg + PostgreSQL, beside the
#     store's and the source files' size on disk; the z6 tile bytes of each layer.
#
#   Benchmarks/tiles/run-scale.sh [path/to/bando]      (default .build/release/bando)
#   COPIES=180 POINTS=1000000  the size (a quick run: COPIES=4 POINTS=50000)
#   PARTS="bando tipg"          the servers to run (the table shows what $OUT holds for the rest)
#   LABEL=after                 keep this run's figures apart (tipg's are taken from the plain run)
#   MAX_RSS_MB=16384            bando serve is killed past this resident size, and the run says so
#
# The generated files are kept in Benchmarks/out/tiles-scale/data-c…-p…-s…/ and reused.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
COMMUNES=${COMMUNES:-$SHARED/data/communes.geojson}
LIST=${LIST:-$HERE/whole-country-z6-z14.txt}
BANDO=${1:-$ROOT/.build/release/bando}
COPIES=${COPIES:-180}
POINTS=${POINTS:-1000000}
SEED=${SEED:-20261201}
PARTS=${PARTS:-bando tipg}
MAX_RSS_MB=${MAX_RSS_MB:-16384}   # bando serve is stopped if its resident memory goes past this
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
OUT=$ROOT/Benchmarks/out/tiles-scale
DATA=$OUT/data-c$COPIES-p$POINTS-s$SEED
LABEL=${LABEL:-run}                          # e.g. LABEL=after PARTS=bando for another binary
RUN=$OUT/$LABEL-c$COPIES-p$POINTS-s$SEED     # this size's measurements, one file per part
BASE=$OUT/run-c$COPIES-p$POINTS-s$SEED       # where a part not run under LABEL is looked up
mkdir -p "$DATA" "$RUN"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
has() { [[ " $PARTS " == *" $1 "* ]]; }

[ -f "$COMMUNES" ] || { echo "Workload data not found: $COMMUNES (set SHARED or COMMUNES)"; exit 2; }
[ -f "$LIST" ] || { echo "Tile list not found: $LIST"; exit 2; }
if has bando; then [ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release' first"; exit 2; }; fi

missing=""
for p in postgresql-15-postgis-3 wrk gdal-bin curl; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
VENV=$OUT/venv
if [ ! -x "$VENV/bin/uvicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check tipg==1.6.1 uvicorn==0.54.0
fi
PGBIN=/usr/lib/postgresql/15/bin

. "$HERE/common.sh"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# A measurement this size's run directory holds: get PART KEY.
get() { local f="$RUN/$1.txt"; [ -f "$f" ] || f="$BASE/$1.txt"; [ -f "$f" ] && awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$f" || true; }
# Whether a process is running (not gone, not a zombie waiting to be reaped).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
size_mb() { du -cm "$@" 2>/dev/null | awk 'END { print $1 }'; }
# Runs a command, printing its peak memory (the largest child's ru_maxrss) in MB on fd 3.
peak_of() {
  python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, file=open(3, "w", closefd=False))
sys.exit(rc)' "$@"
}
# The first tile of each zoom in the list ("z/x/y" lines, z6 first).
FIRST=$(awk -F/ '!seen[$1]++' "$LIST")
# "max-bytes mean-bytes" of the list's distinct z6 tiles, fetched uncompressed.
z6_bytes() {   # prefix suffix
  awk -F/ '$1 == 6' "$LIST" | sort -u | while IFS= read -r t; do
    curl -s -o /dev/null -w '%{size_download}\n' "$1$t$2"
  done | awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%d %d\n", m, s / NR }'
}
run_wrk() {   # base-url prefix suffix
  wrk -t2 -c16 -d"${WARMUP}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" zxy >/dev/null
  wrk -t2 -c16 -d"${DURATION}s" -s "$HERE/random-tiles.lua" "$1" -- "$2" "$3" "$LIST" zxy | tee -a "$RUN/wrk.log" \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }; print r["rps"], r["p50_ms"], r["p99_ms"], r["errors"] + r["non2xx"] }'
}

echo "== Data: $COPIES copies of the communes, $POINTS points ($DATA)"
if [ ! -f "$DATA/polygons.geojson" ] || [ ! -f "$DATA/points.geojson" ]; then
  t0=$(now)
  python3 "$HERE/scale-data.py" "$COMMUNES" "$DATA" "$COPIES" "$POINTS" "$SEED"
  echo "generate_s=$(secs "$t0" "$(now)")" >"$DATA/generated.txt"
fi
echo "source_mb=$(size_mb "$DATA/polygons.geojson" "$DATA/points.geojson")" >"$RUN/data.txt"
cat "$DATA/generated.txt" >>"$RUN/data.txt" 2>/dev/null || true

if has bando; then
  echo "== bando ingest (a fresh SpatiaLite store)"
  STORE=$RUN/bando.sqlite
  rm -f "$STORE" "$STORE"-*
  rm -rf "$RUN/tiles-prepared"   # layers prepared on disk beside the store (LayerPack), by serve
  t0=$(now)
  peak_of "$BANDO" ingest "$DATA/polygons.geojson" --store "$STORE" --dataset polygons --title "Communes × $COPIES" \
    >"$RUN/ingest-polygons.log" 2>&1 3>"$RUN/ingest-polygons.peak" || { echo "bando ingest failed, see $RUN/ingest-polygons.log"; exit 1; }
  t1=$(now)
  peak_of "$BANDO" ingest "$DATA/points.geojson" --store "$STORE" --dataset points --title "Addresses" \
    >"$RUN/ingest-points.log" 2>&1 3>"$RUN/ingest-points.peak" || { echo "bando ingest failed, see $RUN/ingest-points.log"; exit 1; }
  t2=$(now)
  {
    echo "ingest_polygons_s=$(secs "$t0" "$t1")"; echo "ingest_points_s=$(secs "$t1" "$t2")"
    echo "ingest_polygons_mb=$(cat "$RUN/ingest-polygons.peak")"; echo "ingest_points_mb=$(cat "$RUN/ingest-points.peak")"
    echo "store_mb=$(size_mb "$STORE" "$STORE"-wal)"
  } >"$RUN/bando.txt"

  echo "== bando serve, cache off: the first tiles from the moment it accepts connections"
  BPORT=$(free_port)
  rm -rf "$RUN/downloads"
  LAUNCHED=$(now)
  "$BANDO" serve --store "$STORE" --host 127.0.0.1 --port "$BPORT" --tile-cache-mb 0 --access-log off \
    --downloads-cache "$RUN/downloads" >"$RUN/serve.log" 2>&1 &
  BANDO_PID=$!; PIDS+=("$BANDO_PID")
  # The guard: a server past MAX_RSS_MB is killed (the machine is shared) and the run says so.
  ( while alive "$BANDO_PID"; do
      kb=$(awk '/VmRSS/ {print $2}' /proc/$BANDO_PID/status 2>/dev/null || echo 0)
      if [ "${kb:-0}" -gt $((MAX_RSS_MB * 1024)) ]; then
        echo "over_limit=bando serve passed $MAX_RSS_MB MB resident $(secs "$LAUNCHED" "$(now)") s after it was started; killed" >>"$RUN/bando.txt"
        kill -9 "$BANDO_PID"; break
      fi
      sleep 1
    done ) &
  PIDS+=($!)
  # Two clients at once, one per layer, each asking z6 … z14 one after the other; then the
  # seconds until the log says both tilesets are prepared (counted from the first connection),
  # and until the server is quiet (its other start-up work, the GeoJSON downloads, done too), so
  # that wrk measures serving alone.
  python3 - "$BPORT" "$RUN/serve.log" "$RUN/first-tiles.txt" "$BANDO_PID" "$LAUNCHED" $FIRST <<'PY' | tee -a "$RUN/bando.txt"
import os, socket, sys, threading, time, urllib.request, re
port, log, detail, pid, launched, tiles = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6:]
deadline = time.monotonic() + 3600
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
    except OSError:
        if time.monotonic() > deadline: sys.exit("bando serve never accepted a connection")
        time.sleep(0.01)
start = time.monotonic()
print(f"accepting_s={time.time() - launched:.1f}")
results = {}
def client(layer):
    rows = []
    for t in tiles:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/tiles/{layer}/{t}.mvt", timeout=3600) as r:
                status, n = r.status, len(r.read())
        except urllib.error.HTTPError as e:
            status, n = e.code, 0
        except Exception:
            status, n = 0, 0   # the server went away
        t1 = time.monotonic()
        rows.append((t, status, n, t1 - t0, t1 - start))
    results[layer] = rows
threads = [threading.Thread(target=client, args=(l,)) for l in ("polygons", "points")]
for th in threads: th.start()
for th in threads: th.join()
with open(detail, "w") as out:
    for layer, rows in results.items():
        for t, status, n, took, since in rows:
            print(f"{layer:9} {t:14} {status} {n:8d} B {took:8.3f} s  (at {since:8.3f} s)", file=out)
for layer, rows in results.items():
    t, status, n, took, since = max(rows, key=lambda r: r[3])
    bad = sum(1 for r in rows if r[1] != 200 and r[1] != 204)
    print(f"first_{layer}_s={took:.3f}\nfirst_{layer}_zoom={t.split('/')[0]}\nfirst_{layer}_done_s={rows[-1][4]:.3f}\nfirst_{layer}_errors={bad}")
# Preparation: both tilesets logged as prepared (or not ahead, after a failure).
prepared = {}
def alive():
    try: return not any(l.startswith("State:") and "Z" in l.split()[1] for l in open(f"/proc/{pid}/status"))
    except OSError: return False
while len(prepared) < 2 and time.monotonic() < deadline and alive():
    for line in open(log, errors="replace"):
        m = re.search(r"tileset (polygons|points) (?:prepared in ([0-9.]+) seconds|could not be prepared)", line)
        if m and m.group(1) not in prepared:
            prepared[m.group(1)] = f"{float(m.group(2)):.1f}" if m.group(2) else "failed"
    time.sleep(0.2)
for layer, took in sorted(prepared.items()):
    print(f"prepare_{layer}_s={took}")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
quiet = 0
while quiet < 3 and time.monotonic() < deadline and alive():
    c = cpu(); time.sleep(1)
    quiet = quiet + 1 if cpu() - c < 0.05 else 0
if alive(): print(f"quiet_s={time.monotonic() - start - 3:.1f}")
PY
  if ! alive "$BANDO_PID"; then
    echo "bando serve stopped before the measurements were done: $(get bando over_limit)"
    PARTS=${PARTS/bando/}
  fi
fi
if has bando; then
  read -r pmax pmean < <(z6_bytes "http://127.0.0.1:$BPORT/tiles/polygons/" .mvt)
  read -r qmax qmean < <(z6_bytes "http://127.0.0.1:$BPORT/tiles/points/" .mvt)
  echo "== bando serve, uncached req/s"
  read -r rps p50 p99 errs < <(run_wrk "http://127.0.0.1:$BPORT" /tiles/polygons/ .mvt)
  read -r qrps q50 q99 qerrs < <(run_wrk "http://127.0.0.1:$BPORT" /tiles/points/ .mvt)
  {
    echo "polygons=$rps $p50 $p99 $errs $pmax $pmean"; echo "points=$qrps $q50 $q99 $qerrs $qmax $qmean"
    echo "serve_peak_mb=$(peak_rss_mb "$BANDO_PID")"
    [ -d "$RUN/tiles-prepared" ] && echo "prepared_mb=$(size_mb "$RUN/tiles-prepared")"
  } >>"$RUN/bando.txt"
  stop "$BANDO_PID"
fi

if has tipg; then
  echo "== PostgreSQL 15 + PostGIS 3 cluster of our own, the same files loaded with ogr2ogr"
  PGDIR=$(mktemp -d /tmp/bando-bench-pg.XXXXXX); chown postgres "$PGDIR"; chmod 700 "$PGDIR"
  PGPORT=$(free_port)
  su postgres -c "$PGBIN/initdb -D $PGDIR/data -A trust -U postgres" >"$RUN/initdb.log" 2>&1
  su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/log -w -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB' start" >/dev/null
  su postgres -c "$PGBIN/createdb -h 127.0.0.1 -p $PGPORT bench"
  su postgres -c "psql -q -h 127.0.0.1 -p $PGPORT -d bench -c 'CREATE EXTENSION postgis'"
  PG="PG:host=127.0.0.1 port=$PGPORT user=postgres dbname=bench"
  t0=$(now)
  for layer in polygons points; do
    # GDAL reads a large GeoJSON file with its streaming parser; the GIST index is built at the end.
    ogr2ogr -f PostgreSQL "$PG" "$DATA/$layer.geojson" -nln "$layer" -lco GEOMETRY_NAME=geom -lco FID=fid \
      -lco SPATIAL_INDEX=GIST -gt 100000 >>"$RUN/ogr2ogr.log" 2>&1 || { echo "ogr2ogr failed, see $RUN/ogr2ogr.log"; exit 1; }
    su postgres -c "psql -q -h 127.0.0.1 -p $PGPORT -d bench -c 'ANALYZE $layer'"
  done
  {
    echo "load_s=$(secs "$t0" "$(now)")"
    echo "postgres_mb=$(su postgres -c "psql -tA -h 127.0.0.1 -p $PGPORT -d bench -c 'SELECT pg_database_size(current_database()) / 1048576'")"
  } >"$RUN/tipg.txt"

  echo "== tipg (uvicorn, 2 workers), uncached"
  TPORT=$(free_port)
  DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/bench" "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 \
    --port "$TPORT" --workers 2 --log-level warning >"$RUN/tipg.log" 2>&1 &
  TIPG_PID=$!; PIDS+=("$TIPG_PID")
  wait_http "http://127.0.0.1:$TPORT/collections"
  read -r pmax pmean < <(z6_bytes "http://127.0.0.1:$TPORT/collections/public.polygons/tiles/WebMercatorQuad/" "")
  read -r qmax qmean < <(z6_bytes "http://127.0.0.1:$TPORT/collections/public.points/tiles/WebMercatorQuad/" "")
  read -r rps p50 p99 errs < <(run_wrk "http://127.0.0.1:$TPORT" /collections/public.polygons/tiles/WebMercatorQuad/ "")
  read -r qrps q50 q99 qerrs < <(run_wrk "http://127.0.0.1:$TPORT" /collections/public.points/tiles/WebMercatorQuad/ "")
  PGPID=$(head -1 "$PGDIR/data/postmaster.pid")
  {
    echo "polygons=$rps $p50 $p99 $errs $pmax $pmean"; echo "points=$qrps $q50 $q99 $qerrs $qmax $qmean"
    echo "serve_peak_mb=$(peak_rss_mb "$TIPG_PID" "$PGPID")"
  } >>"$RUN/tipg.txt"
  stop "$TIPG_PID"
fi

# The table, from what this size's run directory holds (a part not run this time shows its last figures).
or() { [ -n "$1" ] && echo "$1" || echo -; }
polys=$(( COPIES * $(python3 -c 'import json, sys; print(sum(1 for f in json.load(open(sys.argv[1]))["features"] if f.get("geometry")))' "$COMMUNES") ))
echo
echo "Workload: $polys polygons ($COPIES copies of the communes) and $POINTS points, $(or "$(get data source_mb)") MB of GeoJSON (generated in $(or "$(get data generate_s)") s)"
echo "Requests: $(wc -l < "$LIST") tiles z6–z14 of $(basename "$LIST") at random, wrk -t2 -c16, ${DURATION}s after ${WARMUP}s warm-up, no tile cache"
echo
echo "Loading          seconds  peak MB  size on disk MB"
printf "%-16s %7s %8s %16s\n" "bando polygons" "$(or "$(get bando ingest_polygons_s)")" "$(or "$(get bando ingest_polygons_mb)")" "$(or "$(get bando store_mb)") (store, both)"
printf "%-16s %7s %8s %16s\n" "bando points" "$(or "$(get bando ingest_points_s)")" "$(or "$(get bando ingest_points_mb)")" \
  "$([ -n "$(get bando prepared_mb)" ] && echo "$(get bando prepared_mb) (prepared layers, tiles-prepared/)")"
printf "%-16s %7s %8s %16s\n" "ogr2ogr PostGIS" "$(or "$(get tipg load_s)")" - "$(or "$(get tipg postgres_mb)") (database)"
echo
echo "Bando serve accepted connections $(or "$(get bando accepting_s)") s after it was started (preparation begins before)."
echo "From then: slowest first tile z6–z14 (its zoom), all nine done at, tileset prepared in (the server's log)"
for l in polygons points; do
  printf "  %-9s %8s s (z%s)  %8s s  %8s s  errors %s\n" "$l" "$(or "$(get bando first_${l}_s)")" "$(or "$(get bando first_${l}_zoom)")" \
    "$(or "$(get bando first_${l}_done_s)")" "$(or "$(get bando prepare_${l}_s)")" "$(or "$(get bando first_${l}_errors)")"
done
echo "  start-up work (preparation, GeoJSON downloads) done, the server quiet, at $(or "$(get bando quiet_s)") s"
[ -n "$(get bando over_limit)" ] && echo "  NOT MEASURED FURTHER: $(get bando over_limit)"
echo
printf "%-16s %9s %8s %8s %6s %10s %10s %8s\n" server "req/s" "p50 ms" "p99 ms" errors "z6 max B" "z6 mean B" "peak MB"
for s in bando tipg; do
  for l in polygons points; do
    read -r rps p50 p99 errs zmax zmean <<<"$(get $s $l)"
    printf "%-16s %9s %8s %8s %6s %10s %10s %8s\n" "$s $l" "$(or "$rps")" "$(or "$p50")" "$(or "$p99")" "$(or "$errs")" \
      "$(or "$zmax")" "$(or "$zmean")" "$(or "$(get $s serve_peak_mb)")"
  done
done
read -r bp _ <<<"$(get bando polygons)"; read -r bq _ <<<"$(get bando points)"
read -r tp _ <<<"$(get tipg polygons)"; read -r tq _ <<<"$(get tipg points)"
awk -v bp="${bp:-0}" -v bq="${bq:-0}" -v tp="${tp:-0}" -v tq="${tq:-0}" -v rss="$(get bando serve_peak_mb)" \
    -v store="$(get bando store_mb)" -v src="$(get data source_mb)" 'BEGIN {
  if (tp > 0 && bp > 0) printf "Bando / tipg, uncached req/s: polygons = %.2fx, points = %.2fx\n", bp / tp, (tq > 0 ? bq / tq : 0)
  if (rss != "") printf "Bando peak serving RSS = %d MB (target <= 1024), %.2f x the store (%d MB), %.2f x the GeoJSON (%d MB)\n", rss, rss / store, store, rss / src, src }'
