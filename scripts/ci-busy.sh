#!/usr/bin/env bash
# Runs .ci/run several times in a row (default 5) on a machine made busy the way issue 7 asks:
# other clients hold 30 of PostgreSQL's connections (default max_connections is 100) and another
# process keeps one core busy. It prints each run's result and time, and the peak of PostgreSQL
# connections seen while the runs went on; it exits non-zero if any run failed.
#
#   scripts/ci-busy.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
pg=${BILLD_TEST_POSTGRES:-postgres://127.0.0.1:5432/test}

pids=()
peakfile=$(mktemp) # the peak of connections seen, this run's own
cleanup() {
  pkill -P "$(IFS=,; echo "${pids[*]}")" 2>/dev/null # the sessions' psql and sleep
  kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -f "$peakfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 30); do
  (sleep 86400 | psql "$pg" -q >/dev/null 2>&1) &   # an idle session until psql is killed
  pids+=($!)
done
(while :; do :; done) &
pids+=($!)
(
  peak=0
  while :; do
    n=$(psql "$pg" -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'" 2>/dev/null || echo 0)
    if [ "$n" -gt "$peak" ]; then peak=$n; echo "$peak" > "$peakfile"; fi
    sleep 0.2
  done
) &
pids+=($!)
sleep 2
echo "ci-busy: $(psql "$pg" -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'") client connections open before the first run; one core kept busy"

failed=0
for i in $(seq "$runs"); do
  log=$(mktemp)
  start=$(date +%s)
  if bash .ci/run >"$log" 2>&1; then result=green; else result=RED; failed=$((failed + 1)); fi
  echo "ci-busy: run $i: $result in $(( $(date +%s) - start )) s (log: $log)"
  [ "$result" = green ] && rm -f "$log"
done
echo "ci-busy: peak PostgreSQL client connections: $(cat "$peakfile") of $(psql "$pg" -Atc 'SHOW max_connections')"
echo "ci-busy: $((runs - failed)) of $runs runs green"
[ "$failed" -eq 0 ]
