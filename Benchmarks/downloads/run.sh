#!/usr/bin/env bash
# Downloads benchmark: a GeoJSON download of a large real dataset through the real
# `bando serve` (first request: produced from the store and cached; second: from the cache)
# and `bando export`, against `ogr2ogr -f GeoJSON` reading the same feature table of the same
# store. Two sizes (communes repeated with shifted ids) show whether memory stays flat.
# Prints time, MB/s, peak RSS and ratios; saves to Benchmarks/results/downloads-<date>.txt.
# Usage: Benchmarks/downloads/run.sh [SIZES] [BANDO]   (SIZES default "50000 200000")
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sizes=${1:-"50000 200000"}
bando=${2:-$root/.build/release/bando}
communes=${COMMUNES:-$root/../shared/data/communes.geojson}
[ -f "$communes" ] || communes=/work/shared/data/communes.geojson
[ -x "$bando" ] || { echo "build first: swift build -c release" >&2; exit 1; }
out="$root/Benchmarks/results/downloads-$(date +%F).txt"
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

mb() { echo "scale=1; $1/1048576" | bc; }
ratio() { echo "scale=2; $1/$2" | bc; }

{
echo "Downloads benchmark $(date -u +%FT%TZ) on $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source: $communes ($(du -h "$communes" | cut -f1)), repeated with shifted ids"
echo "ogr2ogr: $(ogr2ogr --version)"
for n in $sizes; do
  dir="$tmp/$n"; mkdir -p "$dir"
  python3 - "$communes" "$dir/big.geojson" "$n" <<'PY'
import json, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
feats = json.load(open(src, encoding="utf-8"))["features"]
with open(dst, "w", encoding="utf-8") as f:
    f.write('{"type":"FeatureCollection","features":[\n')
    for i in range(n):
        ft = feats[i % len(feats)]
        props = dict(ft["properties"]); props["commune_id"] = i + 1; props["copy"] = i // len(feats)
        if i: f.write(",\n")
        json.dump({"type": "Feature", "properties": props, "geometry": ft["geometry"]}, f, ensure_ascii=False)
    f.write("\n]}\n")
PY
  "$bando" ingest "$dir/big.geojson" --dataset big --store "$dir/bando.sqlite" >/dev/null 2>&1
  rm -f "$dir/big.geojson"
  table=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT feature_table FROM dataset_versions ORDER BY id DESC LIMIT 1").fetchone()[0])' "$dir/bando.sqlite")
  echo
  echo "== $n features (table $table)"

  # ogr2ogr, same store, same table.
  /usr/bin/time -f "%e %M" -o "$dir/ogr.time" ogr2ogr -f GeoJSON "$dir/ogr.geojson" "$dir/bando.sqlite" "$table" 2>/dev/null
  read -r ogr_s ogr_kb < "$dir/ogr.time"
  ogr_bytes=$(stat -c %s "$dir/ogr.geojson"); rm -f "$dir/ogr.geojson"

  # bando export (the same production the server runs on a cache miss).
  /usr/bin/time -f "%e %M" -o "$dir/exp.time" "$bando" export big --format geojson -o "$dir/exp.geojson" --store "$dir/bando.sqlite" >/dev/null 2>&1
  read -r exp_s exp_kb < "$dir/exp.time"
  exp_bytes=$(stat -c %s "$dir/exp.geojson"); rm -f "$dir/exp.geojson"

  # bando serve: first download (produce + cache + send), then the cached one.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bando" serve --store "$dir/bando.sqlite" --port "$port" --tiles "$dir/no-tiles" --downloads-cache "$dir/cache" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  base_kb=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
  first=$(curl -sf -o "$dir/d1.geojson" -w "%{time_total} %{size_download}" "http://127.0.0.1:$port/downloads/big/latest.geojson")
  second=$(curl -sf -o "$dir/d2.geojson" -w "%{time_total} %{size_download}" "http://127.0.0.1:$port/downloads/big/latest.geojson")
  peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
  cmp -s "$dir/d1.geojson" "$dir/d2.geojson" || { echo "first and second downloads differ" >&2; exit 1; }
  count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$dir/d1.geojson")
  [ "$count" = "$n" ] || { echo "download has $count features, expected $n" >&2; exit 1; }
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  rm -f "$dir"/d?.geojson
  read -r s1 b1 <<< "$first"; read -r s2 b2 <<< "$second"

  printf '%-34s %9s %10s %10s %12s\n' "" "seconds" "MB" "MB/s" "peak RSS MB"
  printf '%-34s %9.2f %10s %10s %12s\n' "ogr2ogr -f GeoJSON" "$ogr_s" "$(mb "$ogr_bytes")" "$(echo "scale=1; $ogr_bytes/1048576/$ogr_s" | bc)" "$(mb $((ogr_kb*1024)))"
  printf '%-34s %9.2f %10s %10s %12s\n' "bando export --format geojson" "$exp_s" "$(mb "$exp_bytes")" "$(echo "scale=1; $exp_bytes/1048576/$exp_s" | bc)" "$(mb $((exp_kb*1024)))"
  printf '%-34s %9.2f %10s %10s %12s\n' "bando serve, 1st download (miss)" "$s1" "$(mb "$b1")" "$(echo "scale=1; $b1/1048576/$s1" | bc)" "$(mb $((peak_kb*1024)))"
  printf '%-34s %9.2f %10s %10s %12s\n' "bando serve, 2nd download (cache)" "$s2" "$(mb "$b2")" "$(echo "scale=1; $b2/1048576/$s2" | bc)" "(same process)"
  echo "server RSS before the downloads: $(mb $((base_kb*1024))) MB"
  echo "ratios (ogr2ogr time / bando time, >1 = bando faster): export $(ratio "$ogr_s" "$exp_s"), 1st download $(ratio "$ogr_s" "$s1"), cached download $(ratio "$ogr_s" "$s2")"
  echo "features/s: ogr2ogr $(echo "$n/$ogr_s" | bc), bando export $(echo "$n/$exp_s" | bc), 1st download $(echo "$n/$s1" | bc)"
  echo "(ogr2ogr writes 15 significant digits per coordinate; bando 7 decimals as RFC 7946 advises: compare seconds and features/s, not only MB/s)"
  rm -rf "$dir"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "saved to $out"
