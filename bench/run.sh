#!/usr/bin/env bash
# Run tocsin's benchmarks against the private PostgreSQL and print a Markdown
# table (the one kept in docs/benchmarks.md), with the database's own limit
# beside them: pgbench -N (simple updates, no branch contention) at 1 and 4
# clients, three runs each, median and spread.
#
# Then the peers (bench/peers/run.sh: the same approval scenario on DBOS
# Transact, against the same cluster), when Node.js is installed.
#
#   bench/run.sh                 everything (about 22 minutes: the timers are three
#                                runs of 100,000 deadlines, each with its setup)
#   BENCH_SECONDS=5 bench/run.sh shorter pgbench runs
#   BENCH_PEERS=0 bench/run.sh   without the peers
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${BENCH_SECONDS:-10}

scripts/deps.sh
eval "$(scripts/pg.sh start 2>/dev/null)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgbench="$bindir/pgbench"
[ -x "$pgbench" ] || pgbench=$(command -v pgbench)
admin_db="${TOCSIN_TEST_DB}"
bench_db="${admin_db/dbname=postgres/dbname=tocsin_pgbench}"
psql_admin() { PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -d "$admin_db" "$@"; }

psql_admin -c "DROP DATABASE IF EXISTS tocsin_pgbench" -c "CREATE DATABASE tocsin_pgbench" >/dev/null
"$pgbench" -i -q -s 10 "$bench_db" >/dev/null 2>&1

# median_spread V1 V2 V3 ...: "median (min–max)"
median_spread() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.0f %.0f–%.0f", v[int((NR+1)/2)], v[1], v[NR]}'; }

tps() {
  local clients=$1 out=()
  for _ in 1 2 3; do
    out+=("$("$pgbench" -N -n -c "$clients" -j "$clients" -T "$seconds" "$bench_db" 2>/dev/null \
      | awk '/^tps = / {print $3}')")
  done
  median_spread "${out[@]}"
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
     "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'); $(date -u +%Y-%m-%d)"
echo
echo "| what | median | spread | runs |"
echo "|---|---|---|---|"
read -r tps1 <<<"$(tps 1)"
read -r tps4 <<<"$(tps 4)"
echo "| pgbench -N, 1 client (baseline) | ${tps1%% *} TPS | ${tps1#* } | 3 × ${seconds}s |"
echo "| pgbench -N, 4 clients (baseline) | ${tps4%% *} TPS | ${tps4#* } | 3 × ${seconds}s |"

# The database's own tail at the timers' pace: pgbench -N at a fixed rate of
# 1,667 transactions a second (100,000 a minute, two clients), each one's
# lateness from when it was scheduled to its commit (with --rate, the latency
# pgbench logs counts from the scheduled start: it includes the schedule
# lag), as bench_timers measures a deadline from its due time. What the
# machine's I/O stalls do to any committing client, beside what they do to
# tocsin.
rate_tail() {
  local p50=() p99=() dir
  dir=$(mktemp -d)
  for run in 1 2 3; do
    (cd "$dir" && "$pgbench" -N -n -c 2 -j 2 -R 1667 -T 60 --log --log-prefix="rate$run" "$bench_db" >/dev/null 2>&1)
    read -r a b <<<"$(cat "$dir"/rate"$run".* | awk '{print $3 / 1000}' | sort -g \
      | awk '{v[NR]=$1} END {printf "%.1f %.1f", v[int(NR*0.5)], v[int(NR*0.99)]}')"
    p50+=("$a"); p99+=("$b")
  done
  rm -rf "$dir"
  printf '%s\n' "${p50[@]}" | sort -g | awk '{v[NR]=$1} END {printf "%.1f %.1f–%.1f|", v[2], v[1], v[3]}'
  printf '%s\n' "${p99[@]}" | sort -g | awk '{v[NR]=$1} END {printf "%.1f %.1f–%.1f\n", v[2], v[1], v[3]}'
}
IFS='|' read -r tail50 tail99 <<<"$(rate_tail)"
echo "| pgbench -N at 1,667 TPS (baseline for the timers): due to committed, p50 | ${tail50%% *} ms | ${tail50#* } ms | 3 × 60s |"
echo "| pgbench -N at 1,667 TPS (same runs): due to committed, p99 | ${tail99%% *} ms | ${tail99#* } ms | 3 × 60s |"
build/release/bench_compile 30 1000
build/release/bench_machine 5 20000
build/release/bench_engine "$admin_db" tests/data/playbooks/valid/council.json 3 1000
# Issue 21: signed votes beside unsigned ones, one engine, as a service and with --once.
build/release/bench_signed "$admin_db" tests/data/playbooks/valid/council.json tests/data/playbooks/valid/signed.json 5 1000
build/release/bench_latency "$admin_db" tests/data/playbooks/valid/council.json 10 500 3
build/release/bench_latency "$admin_db" tests/data/playbooks/valid/council.json 10 100 3
# Issue 17: 1,000 escalations due at once, each to a webhook on loopback; then scenario 2 beside them
# (three pairs of runs: without and with the escalations falling due mid-run).
build/release/bench_notify "$admin_db" 3 1000
build/release/bench_latency "$admin_db" tests/data/playbooks/valid/council.json 10 500 3 1000
# Issue 18: 200 server-sent-event clients on the board (tocsin serve) while scenario 2 runs at 500 votes/s;
# three pairs of runs, without and with the board.
build/release/bench_board "$admin_db" tests/data/playbooks/valid/council.json 10 500 3 200
build/release/bench_show "$admin_db" build/release/tocsin workflows/collective-response.json 1000000 21
build/release/bench_timers "$admin_db" tests/data/playbooks/valid/deadline.json 3 100000 60
if [ "${BENCH_PEERS:-1}" != 0 ] && command -v node >/dev/null 2>&1; then
  bench/peers/run.sh
  bench/peers/run.sh --only latency --rate 100
fi

psql_admin -c "DROP DATABASE IF EXISTS tocsin_pgbench" >/dev/null
