#!/usr/bin/env bash
# Ingest benchmark: the same real file through `bando ingest` and through
# `ogr2ogr -f SQLite -dsco SPATIALITE=YES -t_srs EPSG:4326` (spatial index on), in one run.
# Prints wall time, peak RSS and the ratio. Usage: Benchmarks/ingest/run.sh [FILE] [BANDO]
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
  printf '%-8s %8.2f s %8.1f MB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
  echo "$secs"  > "$tmp/$label.s"
}
echo "file: $file ($(du -h "$file" | cut -f1))"
for run in 1 2 3; do
  rm -f "$tmp"/*.sqlite*
  measure bando "$bando" ingest "$file" --dataset bench --store "$tmp/bando.sqlite"
  measure ogr2ogr ogr2ogr -f SQLite -dsco SPATIALITE=YES -lco SPATIAL_INDEX=YES -t_srs EPSG:4326 -nln bench "$tmp/ogr.sqlite" "$file"
  echo "run $run: bando/ogr2ogr time ratio $(echo "$(cat $tmp/bando.s) / $(cat $tmp/ogr2ogr.s)" | bc -l | cut -c1-5)"
done
