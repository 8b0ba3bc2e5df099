#!/usr/bin/env bash
# Runs one `billd bench` scenario against a fresh billd on this machine, as docs/benchmarks.md
# does: builds billd, starts it on a new SQLite file or a new PostgreSQL database (on a free port),
# drives it, checks the books, stops it and removes the store, also when the run fails or is
# interrupted.
#
#   scripts/bench.sh sqlite   [billd serve flags --] [billd bench flags]
#   scripts/bench.sh postgres [billd serve flags --] [billd bench flags]
#
# Examples:
#   scripts/bench.sh sqlite --scenario hot --workers 64 --duration 20s
#   scripts/bench.sh sqlite --scenario hot --workers 64 --duration 20s --transport connect-proto
#   scripts/bench.sh postgres --group-commit=false -- --scenario hot --workers 8
#
# PostgreSQL: BENCH_POSTGRES (default postgres://127.0.0.1:5432) names the server; the script
# creates the database BENCH_DATABASE (default billd_bench) there and drops it at the end.
# BILLD_BIN runs that billd binary instead of building one. BILLD_SERVE_BIN runs that binary as the
# server (another build, e.g. an older commit's) while BILLD_BIN's bench drives it.
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
pid=
database=
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -n "$database" ]; then
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $database" >/dev/null ||
      echo "bench.sh: could not drop the database $database" >&2
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

bin=${BILLD_BIN:-$work/billd}
[ -n "${BILLD_BIN:-}" ] || go build -o "$bin" ./cmd/billd
server=${BILLD_SERVE_BIN:-$bin}
export BILLD_ADMIN_CLIENT_ID=bench-admin BILLD_ADMIN_CLIENT_SECRET=bench-admin-secret-0123456789

case "$store" in
  sqlite) db="$work/billd.db" ;;
  postgres)
    pg=${BENCH_POSTGRES:-postgres://127.0.0.1:5432}
    name=${BENCH_DATABASE:-billd_bench}
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "BENCH_DATABASE must be a plain lower-case name" >&2; exit 2; }
    database=$name
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
    echo "bench.sh: created the database $database on $pg (dropped at the end)"
    db="$pg/$database" ;;
  *) echo "unknown store $store" >&2; exit 2 ;;
esac

"$server" serve --db "$db" --addr 127.0.0.1:0 --log-level warn "${serve[@]}" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's/^billd listening on //p' "$work/serve.out")
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/serve.err" >&2
    echo "bench.sh: $server serve exited" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { echo "bench.sh: billd did not start within 30 s" >&2; exit 1; }
"$bin" bench --target "$url" --pid "$pid" "$@"
