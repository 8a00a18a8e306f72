#!/usr/bin/env bash
# Issue 16's load benchmark: wrk at 64 connections for 60 s on a mix of cached and uncached
# tiles, OGC items pages, downloads and catalogue pages, twice: on a quiet server, then while a
# large upload (a zip of 2,000,000 null-shape records, issue 16's one-minute writer stall)
# ingests and a harvest (the 11,163 communes from a local HTTP server) runs. One wrk per class
# of request, all at once, so each class has its own p50/p99; the connections are split
# 16 cached tiles, 12 uncached tiles, 12 items, 8 downloads, 16 catalogue.
# Reports errors (target 0: connection errors and answers >= 400), p50/p99 per class side by
# side, and the server's peak resident memory. Starts everything on free ports and stops it
# all on exit.
#
#   swift build -c release --product bando && Benchmarks/load/run.sh [path/to/bando]
#   DURATION=10 UPLOAD_FEATURES=200000 Benchmarks/load/run.sh .build/debug/bando   # a short try
#
# Needs wrk, curl and python3 (apt: wrk curl python3); the communes from ../shared/data.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
DATA=${DATA:-$SHARED/data/communes.geojson}
DISTRICTS=${DISTRICTS:-$SHARED/data/districts.geojson}
LIST=${LIST:-$SHARED/bench/tiles-z10-z14.txt}
BANDO=${1:-$ROOT/.build/release/bando}
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
UPLOAD_FEATURES=${UPLOAD_FEATURES:-2000000}
OUT=$ROOT/Benchmarks/out/load
mkdir -p "$OUT"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

for f in "$DATA" "$DISTRICTS" "$LIST"; do [ -f "$f" ] || { echo "not found: $f (set SHARED, DATA, DISTRICTS or LIST)"; exit 2; }; done
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release --product bando' first"; exit 2; }
missing=""
for p in wrk curl python3; do command -v "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

WORK=$(mktemp -d /tmp/bando-bench-load.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }
peak_rss_mb() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# ---- the store: an agency, its editor, approver and an administrator; communes and districts published
STORE=$WORK/bando.sqlite
PASSWORD=mat-khau-do-tai-16
echo "Loading $(basename "$DATA") and $(basename "$DISTRICTS") into a fresh store…"
"$BANDO" agencies add so-tnmt --name "Sở Tài nguyên và Môi trường" --store "$STORE" >/dev/null
echo "$PASSWORD" | "$BANDO" users add quan-tri --role administrator --password-stdin --store "$STORE" >/dev/null
echo "$PASSWORD" | "$BANDO" users add bien-tap --role editor --agency so-tnmt --password-stdin --store "$STORE" >/dev/null
"$BANDO" ingest "$DATA" --dataset xa --title "Xã, phường" --store "$STORE" >/dev/null
"$BANDO" ingest "$DISTRICTS" --dataset huyen --title "Huyện" --store "$STORE" >/dev/null
mkdir -p "$WORK/tiles" "$WORK/harvest"
ln -s "$DATA" "$WORK/harvest/communes.geojson"
echo "Making the upload: $UPLOAD_FEATURES null-shape records…"
python3 "$HERE/make-upload.py" "$WORK/upload.zip" "$UPLOAD_FEATURES"

PORT=$(free_port)
HPORT=$(free_port)
BASE=http://127.0.0.1:$PORT
# The harvest's source is a local HTTP server: loopback is refused to harvests unless allowed.
"$BANDO" serve --store "$STORE" --port "$PORT" --tiles "$WORK/tiles" --harvest-allow 127.0.0.1 >"$OUT/serve.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
python3 -m http.server "$HPORT" --bind 127.0.0.1 --directory "$WORK/harvest" >/dev/null 2>&1 &
PIDS+=("$!")
wait_http "$BASE/healthz"
wait_http "http://127.0.0.1:$HPORT/communes.geojson"

session() {  # user → session token
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/portal/login" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: bando_session=\([^;]*\).*/\1/p'
}
ADMIN=$(session quan-tri); EDITOR=$(session bien-tap)
[ -n "$ADMIN" ] && [ -n "$EDITOR" ] || { echo "could not sign in"; exit 1; }
api() {  # token method path [json] → status
  curl -s -o "$WORK/last.json" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "$BASE$3"
}
for ds in tai-len thu-hoach; do
  s=$(api "$ADMIN" POST /api/portal/catalogue "{\"agency\":\"so-tnmt\",\"slug\":\"$ds\",\"title\":\"$ds\"}")
  [ "$s" = 201 ] || { echo "catalogue $ds: $s $(cat "$WORK/last.json")"; exit 1; }
done
s=$(api "$EDITOR" PUT /api/portal/datasets/thu-hoach/harvest-source \
  "{\"url\":\"http://127.0.0.1:$HPORT/communes.geojson\",\"kind\":\"geojson\"}")
echo "Harvest source set: HTTP $s $(head -c 200 "$WORK/last.json")"
# Warm-up: the download files are produced once, the cached tiles enter the cache.
for p in /downloads/huyen/latest.geojson /downloads/huyen/v1.csv /downloads/xa/latest.csv.sha256 /api/catalog; do
  curl -s -o /dev/null "$BASE$p"
done
head -20 "$LIST" | while IFS=/ read -r z x y; do curl -s -o /dev/null "$BASE/tiles/xa/$z/$x/$y.mvt"; done

CLASSES=(tiles-cached tiles-uncached items downloads catalogue)
SHARE=(16 12 12 8 16)
phase() {  # name
  local i pids=()
  for i in "${!CLASSES[@]}"; do
    local c=$(( SHARE[i] * CONNECTIONS / 64 )); [ "$c" -ge 1 ] || c=1
    wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency -s "$HERE/mix.lua" "$BASE" -- "${CLASSES[i]}" "$LIST" \
      >"$OUT/$1-${CLASSES[i]}.txt" 2>&1 &
    pids+=("$!")
  done
  # Resident memory sampled through the phase (the peak since start is VmHWM).
  local t=0 max=0
  while kill -0 "${pids[0]}" 2>/dev/null; do
    r=$(rss_mb "$SERVER"); [ "$r" != "?" ] && [ "$r" -gt "$max" ] && max=$r
    sleep 1; t=$((t + 1))
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  echo "$max" >"$OUT/$1-rss.txt"
}

echo "Quiet: ${DURATION}s at $CONNECTIONS connections…"
phase quiet
QUIET_PEAK=$(peak_rss_mb "$SERVER")

echo "Busy: the same while an upload of $UPLOAD_FEATURES records ingests and a harvest runs…"
( start=$(date +%s.%N)
  s=$(curl -s -o "$WORK/upload.json" -w '%{http_code}' -H "Authorization: Bearer $EDITOR" \
        -F "file=@$WORK/upload.zip;filename=diem-rong.zip" "$BASE/api/portal/datasets/tai-len/uploads")
  echo "upload: HTTP $s in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s: $(head -c 200 "$WORK/upload.json")" >"$OUT/busy-upload.txt" ) &
UPLOADER=$!
( start=$(date +%s.%N)
  s=$(curl -s -o "$WORK/harvest.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $EDITOR" "$BASE/api/portal/datasets/thu-hoach/harvest")
  echo "harvest: HTTP $s in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s: $(head -c 200 "$WORK/harvest.json")" >"$OUT/busy-harvest.txt" ) &
HARVESTER=$!
sleep 1
phase busy
BUSY_PEAK=$(peak_rss_mb "$SERVER")
HEALTH=$(curl -s -m 30 -o /dev/null -w '%{http_code} in %{time_total} s' "$BASE/healthz" || echo "no answer")
wait "$UPLOADER" "$HARVESTER" || true
kill -0 "$SERVER" 2>/dev/null && ALIVE=yes || ALIVE="NO (it exited)"

# ---- report
field() { sed -n "s/.*RESULT.* $2=\([^ ]*\).*/\1/p" "$OUT/$1.txt" | head -1; }
printf '\nLoad benchmark (issue 16): %s s per phase, %s connections, %s\n' "$DURATION" "$CONNECTIONS" "$("$BANDO" --version 2>/dev/null || basename "$BANDO")"
printf '%-15s | %9s %9s %9s %7s | %9s %9s %9s %7s\n' class "quiet rps" "p50 ms" "p99 ms" errors "busy rps" "p50 ms" "p99 ms" errors
total=0
for c in "${CLASSES[@]}"; do
  a=$(field "quiet-$c" errors); b=$(field "quiet-$c" non2xx); qe=$(( ${a:-0} + ${b:-0} ))
  a=$(field "busy-$c" errors); b=$(field "busy-$c" non2xx); be=$(( ${a:-0} + ${b:-0} ))
  [ -n "$(field "quiet-$c" rps)" ] || qe="wrk failed: see $OUT/quiet-$c.txt"
  total=$((total + qe + be))
  printf '%-15s | %9s %9s %9s %7s | %9s %9s %9s %7s\n' "$c" "$(field "quiet-$c" rps)" "$(field "quiet-$c" p50_ms)" "$(field "quiet-$c" p99_ms)" "$qe" \
    "$(field "busy-$c" rps)" "$(field "busy-$c" p50_ms)" "$(field "busy-$c" p99_ms)" "$be"
done
echo "errors in total: $total (target 0; connection errors, timeouts over 10 s and answers >= 400)"
echo "peak RSS of the server: $QUIET_PEAK MB after the quiet phase, $BUSY_PEAK MB after the busy phase (sampled during them: $(cat "$OUT/quiet-rss.txt") / $(cat "$OUT/busy-rss.txt") MB)"
cat "$OUT/busy-upload.txt" "$OUT/busy-harvest.txt"
echo "/healthz right after the busy phase: $HEALTH; server still running: $ALIVE"
echo "wrk outputs: $OUT/"
