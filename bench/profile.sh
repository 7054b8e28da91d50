#!/usr/bin/env bash
# Where a benchmark's time goes, on the server and in the processes: runs one
# benchmark program against the private cluster with pg_stat_statements
# loaded (nested statements tracked, so the statements inside tocsin's SQL
# functions show) and perf sampling every CPU, then prints
#   - the statements by total execution time (calls, mean, total),
#   - the CPU by process (postgres backends, the engine, the benchmark),
#   - the hottest functions.
# The cluster is restarted with pg_stat_statements and restored afterwards.
#
#   bench/profile.sh                               the latency benchmark, 10 s
#   bench/profile.sh bench_engine PLAYBOOK 1 1000  any program and its arguments
#                                                  (the admin conninfo is added first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

program=${1:-bench_latency}
shift || true
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(tests/data/playbooks/valid/council.json 10 500 1)

scripts/deps.sh
eval "$(scripts/pg.sh start 2>/dev/null)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
psql_admin() { "$bindir/psql" -X -q -d "$TOCSIN_TEST_DB" "$@"; }
restore() {
  psql_admin -c "ALTER SYSTEM RESET shared_preload_libraries" -c "ALTER SYSTEM RESET pg_stat_statements.track" \
    >/dev/null 2>&1 || true
  scripts/pg.sh stop >/dev/null 2>&1 && scripts/pg.sh start >/dev/null 2>&1 || true
}
trap restore EXIT

psql_admin -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
scripts/pg.sh stop >/dev/null 2>&1
scripts/pg.sh start >/dev/null 2>&1
# The library's settings exist once it is loaded.
psql_admin -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" -c "SELECT pg_reload_conf()" \
           -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null

perf_data=$(mktemp /tmp/tocsin-profile.XXXXXX)
perf record -q -a -g -F 499 -o "$perf_data" -- "build/release/$program" "$TOCSIN_TEST_DB" "${args[@]}" 2>/dev/null

echo
echo "## Statements by total time (pg_stat_statements, nested included)"
psql_admin -P pager=off -c "
  SELECT calls, round(mean_exec_time::numeric, 3) AS mean_ms, round(total_exec_time::numeric) AS total_ms,
         left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
    FROM pg_stat_statements
   ORDER BY total_exec_time DESC
   LIMIT 20"
echo "## CPU by process"
perf report -i "$perf_data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
echo
echo "## Hottest functions"
perf report -i "$perf_data" --no-children --sort comm,sym --stdio -g none 2>/dev/null | grep -v '^#' \
  | grep -v '^$' | head -25
rm -f "$perf_data"
