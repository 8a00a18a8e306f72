#!/usr/bin/env bash
# Runs every benchmark under Benchmarks/*/run.sh in turn (each starts and stops its own peers),
# saving each one's output in Benchmarks/results/<name>-<date>.txt. `make bench` calls this.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/results"
status=0
for script in "$HERE"/*/run.sh; do
  name=$(basename "$(dirname "$script")")
  out="$HERE/results/$name-$(date +%F).txt"
  echo "== $name -> $out"
  if ! "$script" 2>&1 | tee "$out"; then echo "!! $name failed"; status=1; fi
done
exit $status
