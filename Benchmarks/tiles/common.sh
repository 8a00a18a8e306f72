# What the tiles benchmarks share (sourced by run.sh and run-country.sh): the servers they start
# are stopped on exit (PIDS, and the PostgreSQL cluster in PGDIR), free ports, waiting for an
# answer, stopping one server, peak memory. Needs PGBIN set before it is sourced.
PIDS=()
PGDIR=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
    su postgres -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true
  fi
  if [ -n "$PGDIR" ]; then rm -rf "$PGDIR"; fi
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }
# Peak resident memory (VmHWM) of a process and all its descendants, in MB.
peak_rss_mb() {
  local total=0 pids="$*" all=""
  while [ -n "$pids" ]; do
    all="$all $pids"; local next=""
    for p in $pids; do next="$next $(pgrep -P "$p" || true)"; done
    pids=$(echo $next)
  done
  for p in $all; do
    kb=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Time the hypervisor took from this machine's CPUs ("steal" in /proc/stat), in ms, since boot.
# On this VM a run that loses 130 ms or more to it has ~100 ms pauses in whichever server is
# measured (nginx as much as Bando); such pauses also come without any steal counted, so a run
# with none is quieter, not sure to be quiet.
steal_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print int($9 * 1000 / hz) }' /proc/stat; }
