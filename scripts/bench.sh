#!/usr/bin/env bash
# Runs one `billd bench` scenario against a fresh billd on this machine, as docs/benchmarks.md
# does: builds billd, starts it on a new SQLite file or a new PostgreSQL database, drives it, checks
# the books, and stops it.
#
#   scripts/bench.sh sqlite   [billd serve flags --] [billd bench flags]
#   scripts/bench.sh postgres [billd serve flags --] [billd bench flags]
#
# Examples:
#   scripts/bench.sh sqlite --scenario hot --clients 64 --duration 20s
#   scripts/bench.sh postgres --group-commit=false -- --scenario hot --clients 8
#
# PostgreSQL: BENCH_POSTGRES (default postgres://127.0.0.1:5432) names the server; the script
# creates and drops the database billd_bench there.
set -euo pipefail
cd "$(dirname "$0")/.."

store=${1:?usage: scripts/bench.sh sqlite|postgres [serve flags --] [bench flags]}
shift
serve=()
if [[ " $* " == *" -- "* ]]; then
  while [ "$1" != "--" ]; do serve+=("$1"); shift; done
  shift
fi

work=$(mktemp -d)
bin="$work/billd"
go build -o "$bin" ./cmd/billd
export BILLD_ADMIN_CLIENT_ID=bench-admin BILLD_ADMIN_CLIENT_SECRET=bench-admin-secret-0123456789

case "$store" in
  sqlite) db="$work/billd.db" ;;
  postgres)
    pg=${BENCH_POSTGRES:-postgres://127.0.0.1:5432}
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS billd_bench" -c "CREATE DATABASE billd_bench" >/dev/null
    db="$pg/billd_bench" ;;
  *) echo "unknown store $store" >&2; exit 2 ;;
esac

"$bin" serve --db "$db" --addr 127.0.0.1:7490 --log-level warn "${serve[@]}" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs http://127.0.0.1:7490/healthz >/dev/null && break
  sleep 0.1
done
"$bin" bench --target http://127.0.0.1:7490 --pid "$pid" "$@"
