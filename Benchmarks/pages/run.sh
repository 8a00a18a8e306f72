#!/usr/bin/env bash
# Issue 18's page benchmark, one run: the portal's home, catalogue and a dataset page served by
# Bando (rendered per request from the store) beside nginx serving the same HTML saved as static
# files; wrk -t2 -c16 on each page, DURATION s after WARMUP s of warm-up. Reports req/s and p99
# for both and the ratios. The store is the demo data (Fixtures/load-demo.sh).
#
#   Benchmarks/pages/run.sh [path/to/bando]      (default .build/release/bando)
#   BANDO_FLAGS="--page-cache-seconds 0" Benchmarks/pages/run.sh    (every page rendered from the store)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BANDO=${1:-$ROOT/.build/release/bando}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
OUT=$ROOT/Benchmarks/out/pages
mkdir -p "$OUT"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
[ -x "$BANDO" ] || { echo "bando binary not found at $BANDO: run 'swift build -c release' first"; exit 2; }
missing=""
for p in nginx wrk curl; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }

# wrk on one URL: prints "rps p99_ms errors".
run_wrk() {
  wrk -t2 -c16 -d"${WARMUP}s" "$1" >/dev/null
  wrk -t2 -c16 -d"${DURATION}s" --latency "$1" | tee -a "$OUT/wrk.log" | awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; p99 = v }
    /Non-2xx|Socket errors/ { err = 1 }
    END { printf "%s %.2f %s\n", rps, p99, (err ? "yes" : "no") }'
}
: > "$OUT/wrk.log"

echo "== The demo data in a store of its own"
STORE=$OUT/bando.sqlite
rm -f "$STORE" "$STORE"-*
"$ROOT/Fixtures/load-demo.sh" "$BANDO" "$STORE" >"$OUT/load.log" 2>&1 || { echo "loading the demo failed, see $OUT/load.log"; exit 1; }
BPORT=$(free_port)
"$BANDO" serve --store "$STORE" --host 127.0.0.1 --port "$BPORT" ${BANDO_FLAGS:-} >"$OUT/bando.log" 2>&1 &
BANDO_PID=$!; PIDS+=("$BANDO_PID")
wait_http "http://127.0.0.1:$BPORT/healthz"

PAGES=("/" "/datasets" "/datasets/xa-phuong-hue")
NAMES=(home catalogue dataset)
# The same HTML, as Bando renders it now, saved as files for nginx.
NGROOT=$OUT/nginx-root; rm -rf "$NGROOT"; mkdir -p "$NGROOT"
for i in "${!PAGES[@]}"; do
  curl -sf -H 'Accept-Language: vi' -o "$NGROOT/${NAMES[$i]}.html" "http://127.0.0.1:$BPORT${PAGES[$i]}"
done
NPORT=$(free_port)
cat >"$OUT/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s;
  types { text/html html; }
  server { listen 127.0.0.1:$NPORT; root $NGROOT; add_header Cache-Control "no-cache"; }
}
NGINX
nginx -c "$OUT/nginx.conf" -e "$OUT/nginx-error.log" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NPORT/home.html"

declare -A R
for i in "${!PAGES[@]}"; do
  n=${NAMES[$i]}
  echo "== $n: Bando ${PAGES[$i]}, then nginx /$n.html"
  R[bando_$n]=$(run_wrk "http://127.0.0.1:$BPORT${PAGES[$i]}")
  R[nginx_$n]=$(run_wrk "http://127.0.0.1:$NPORT/$n.html")
done

echo
echo "Pages of the demo data (3 datasets), wrk -t2 -c16, ${DURATION}s after ${WARMUP}s warm-up, 2 cores shared by both"
printf "%-10s %8s %12s %10s %12s %10s %10s %12s\n" page bytes "Bando req/s" "Bando p99" "nginx req/s" "nginx p99" "req/s ratio" "errors B/N"
for n in "${NAMES[@]}"; do
  read -r brps bp99 berr <<<"${R[bando_$n]}"
  read -r nrps np99 nerr <<<"${R[nginx_$n]}"
  awk -v n="$n" -v b="$(stat -c %s "$NGROOT/$n.html")" -v br="$brps" -v bp="$bp99" -v nr="$nrps" -v np="$np99" -v e="$berr/$nerr" 'BEGIN {
    printf "%-10s %8d %12.0f %8.2fms %12.0f %8.2fms %9.1f%% %12s\n", n, b, br, bp, nr, np, 100 * br / nr, e }'
done
