#!/usr/bin/env bash
# Loading into PostGIS (issue 21): the same real data through `bando ingest --store postgres://…`
# (COPY in batches, GiST index after the load), through `ogr2ogr -f PostgreSQL` (GDAL's own loader,
# COPY on, GiST index on: the usual way a province loads PostGIS) and, as the reference, through
# `bando ingest` into SpatiaLite, in one run, three times each. The cluster is a throw-away one of
# our own (Tests/Postgres/cluster.sh; fsync off for all, so neither loader gains from it).
# Prints wall time and peak RSS of each load and the ratios.
# Usage: Benchmarks/store/ingest-postgis.sh [GEOJSON] [BANDO]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
file=${1:-$root/../shared/data/communes.geojson}
bando=${2:-$root/.build/release/bando}
[ -x "$bando" ] || { echo "build first: swift build -c release --product bando" >&2; exit 1; }
tmp=$(mktemp -d); chmod 755 "$tmp"; pg="$tmp/pg"   # the postgres user must reach the cluster folder
trap '"$root/Tests/Postgres/cluster.sh" stop "$pg"; rm -rf "$tmp"' EXIT
url=$("$root/Tests/Postgres/cluster.sh" start "$pg")
port=$(cat "$pg/port")
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  read -r secs kb < "$tmp/time"
  printf '  %-16s %8.2f s %8.1f MB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
  echo "$secs" > "$tmp/$label.s"
}
ratio() { echo "$(cat "$tmp/$1.s") / $(cat "$tmp/$2.s")" | bc -l | cut -c1-5; }
# 200,000 points with five properties, as the ingest benchmark makes them (same seed).
python3 - "$tmp/points200k.geojson" <<'PY'
import json, random, sys
random.seed(20261123)
kinds = ["trường học", "trạm y tế", "chợ"]
features = [{"type": "Feature", "properties": {"id_diem": i, "ten": "Điểm số %d" % i, "gia_tri": random.random() * 1000,
             "loai": random.choice(kinds), "hoat_dong": random.random() < 0.5},
             "geometry": {"type": "Point", "coordinates": [round(105 + random.random() * 3, 7), round(15 + random.random() * 3, 7)]}}
            for i in range(200000)]
json.dump({"type": "FeatureCollection", "features": features}, open(sys.argv[1], "w"), ensure_ascii=False)
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(psql -X -A -t "$url" -c 'SHOW server_version'), PostGIS $(psql -X -A -t "$url" -c 'SELECT postgis_lib_version()')"
n=0
for input in "$file" "$tmp/points200k.geojson"; do
  echo "input: $(basename "$input") ($(du -h "$input" | cut -f1))"
  for run in 1 2 3; do
    n=$((n + 1)); rm -f "$tmp"/*.sqlite*
    measure bando-postgis "$bando" ingest "$input" --dataset bench --store "$url?schema=bando_$n"
    psql -X -q "$url" -c "CREATE SCHEMA ogr_$n"
    measure ogr2ogr-postgis env PG_USE_COPY=YES ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$port user=postgres dbname=bando_test" \
      "$input" -nln "ogr_$n.bench" -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -nlt PROMOTE_TO_MULTI -t_srs EPSG:4326
    measure bando-sqlite "$bando" ingest "$input" --dataset bench --store "$tmp/bando.sqlite"
    rows_b=$(psql -X -A -t "$url" -c "SELECT feature_count FROM bando_$n.dataset_versions")
    rows_o=$(psql -X -A -t "$url" -c "SELECT count(*) FROM ogr_$n.bench")
    echo "  run $run: rows bando $rows_b, ogr2ogr $rows_o; time bando-postgis/ogr2ogr $(ratio bando-postgis ogr2ogr-postgis), bando-postgis/bando-sqlite $(ratio bando-postgis bando-sqlite)"
  done
done
