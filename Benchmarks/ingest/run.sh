#!/usr/bin/env bash
# Ingest benchmark: the same real data through `bando ingest` and through
# `ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4326` (spatial index on), in one run,
# for the two inputs agencies send: the GeoJSON as published, and the same communes as an
# agency shapefile in VN-2000 / UTM 48N (EPSG:3405, made here with ogr2ogr; ogr2ogr needs
# -nlt PROMOTE_TO_MULTI to load it at all, Bando needs nothing).
# Prints wall time, peak RSS and the ratio. Usage: Benchmarks/ingest/run.sh [GEOJSON] [BANDO]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
file=${1:-$root/../shared/data/communes.geojson}
bando=${2:-$root/.build/release/bando}
[ -x "$bando" ] || { echo "build first: swift build -c release" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  read -r secs kb < "$tmp/time"
  printf '  %-8s %8.2f s %8.1f MB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
  echo "$secs"  > "$tmp/$label.s"
}
ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:3405 -lco ENCODING=UTF-8 "$tmp/communes-vn2000.shp" "$file" 2>/dev/null
# A larger file of another shape: 200,000 points with five properties (44 MB), made here with a
# fixed seed, so the R*Tree build and the per-feature costs show at scale.
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
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for input in "$file" "$tmp/communes-vn2000.shp" "$tmp/points200k.geojson"; do
  echo "input: $(basename "$input") ($(du -ch "${input%.*}".* | tail -1 | cut -f1))"
  extra=(); [[ $input == *.shp ]] && extra=(-nlt PROMOTE_TO_MULTI)
  for run in 1 2 3; do
    rm -f "$tmp"/*.sqlite*
    measure bando "$bando" ingest "$input" --dataset bench --store "$tmp/bando.sqlite"
    measure ogr2ogr ogr2ogr -f SQLite -dsco SPATIALITE=YES -lco SPATIAL_INDEX=YES "${extra[@]}" -t_srs EPSG:4326 -nln bench "$tmp/ogr.sqlite" "$input"
    echo "  run $run: bando/ogr2ogr time ratio $(echo "$(cat $tmp/bando.s) / $(cat $tmp/ogr2ogr.s)" | bc -l | cut -c1-5)"
  done
done
