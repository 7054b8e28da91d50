#!/usr/bin/env bash
# Votes per second from many short-lived CLIs, directly and through PgBouncer in
# transaction mode (issue 20), against the private PostgreSQL, with pgbench -N
# of the same run as the baseline. Each vote is a `tocsin vote ... --no-wait`
# process of its own (connect, read the crisis and the actor's seats, check
# the vote with the core, record it, disconnect), CLIENTS of them at a time,
# each delegation logged in as its own role: what hundreds of delegates'
# CLIs do. Direct is the unix socket (a backend forked per CLI); pooled is
# PgBouncer on 127.0.0.1 (POOL server connections per delegation).
#
#   bench/pooling.sh                 16 clients, 900 votes a run, 3 runs of each
#   bench/pooling.sh CLIENTS VOTES   (BENCH_RUNS=N runs, POOL=N server connections)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
clients=${1:-16}
votes=${2:-900}
runs=${BENCH_RUNS:-3}
pool=${POOL:-4}
votes=$((votes / 3 * 3))

scripts/deps.sh >/dev/null
eval "$(scripts/pg.sh start 2>/dev/null)"
cmake --preset release >/dev/null
cmake --build --preset release -j 2 >/dev/null
bin=build/release/tocsin
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
admin_db="$TOCSIN_TEST_DB"
sock=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$admin_db")
port=$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$admin_db")
name=tocsin_bench_pool
db="host=$sock port=$port user=tocsin dbname=$name"
psql_admin() { PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -d "$admin_db" "$@"; }

work=$(mktemp -d)
pgb_pid=""
cleanup() {
  [ -n "$pgb_pid" ] && kill "$pgb_pid" 2>/dev/null
  rm -rf "$work"
  psql_admin -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "DROP DATABASE IF EXISTS tocsin_pgbench" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# median_spread V1 V2 V3 ...: "median (min–max)"
median_spread() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.0f %.0f–%.0f", v[int((NR+1)/2)], v[1], v[NR]}'; }

# The baseline: pgbench -N, 1 and 4 clients, 3 × 5 s.
psql_admin -c "DROP DATABASE IF EXISTS tocsin_pgbench" -c "CREATE DATABASE tocsin_pgbench" >/dev/null
bench_db="host=$sock port=$port user=tocsin dbname=tocsin_pgbench"
"$bindir/pgbench" -i -q -s 10 "$bench_db" >/dev/null 2>&1
tps() {
  local out=() _
  for _ in 1 2 3; do
    out+=("$("$bindir/pgbench" -N -n -c "$1" -j "$1" -T 5 "$bench_db" 2>/dev/null | awk '/^tps = / {print $3}')")
  done
  median_spread "${out[@]}"
}
tps1=$(tps 1)
tps4=$(tps 4)
# ... and the cost of a connection alone: pgbench -C (a new connection per transaction), SELECT 1, 4 clients.
echo "SELECT 1;" >"$work/select1.sql"
conn_tps() {
  local out=() _
  for _ in 1 2 3; do
    out+=("$("$bindir/pgbench" -C -n -f "$work/select1.sql" -c 4 -j 4 -T 5 "$1" 2>/dev/null | awk '/^tps = / {print $3}')")
  done
  median_spread "${out[@]}"
}

psql_admin -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
"$bin" --db "$db" migrate >/dev/null
"$bin" --db "$db" playbook load tests/data/failover/drill.json >/dev/null
users='"tocsin" ""'
for p in KZ RU TJ; do
  "$bin" --db "$db" actor add "bp_$p" --seat "council/$p" --login >/dev/null
  users+=$'\n'"\"bp_$p\" \"\""
done

# PgBouncer, as postgres when we are root (it refuses root), on a free loopback port.
pgb_port=$((26000 + $$ % 1000))
[ "$(id -u)" -eq 0 ] && chown postgres "$work"
chmod 755 "$work"
cat >"$work/pgbouncer.ini" <<INI
[databases]
tx = host=$sock port=$port dbname=$name pool_mode=transaction pool_size=$pool
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgb_port
unix_socket_dir =
auth_type = trust
auth_file = $work/users.txt
pidfile = $work/pgbouncer.pid
logfile = $work/pgbouncer.log
max_client_conn = 1000
INI
echo "$users" >"$work/users.txt"
chmod 644 "$work/pgbouncer.ini" "$work/users.txt"
if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- pgbouncer -d -q "$work/pgbouncer.ini"; else pgbouncer -d -q "$work/pgbouncer.ini"; fi
for _ in $(seq 1 50); do [ -s "$work/pgbouncer.pid" ] && break; sleep 0.1; done
pgb_pid=$(cat "$work/pgbouncer.pid")
conn_direct=$(conn_tps "host=$sock port=$port user=tocsin dbname=$name")
conn_pooled=$(conn_tps "host=127.0.0.1 port=$pgb_port user=tocsin dbname=tx")

# One run: votes/3 crises triggered and opened, then every vote by its delegation, CLIENTS at once.
one_run() {
  local mode=$1 ids
  "$bindir/psql" -X -q -d "$db" -c "DO \$\$BEGIN FOR i IN 1..$((votes / 3)) LOOP
                                       PERFORM tocsin.trigger('drill', NULL, NULL, NULL, ARRAY['KZ','RU','TJ'], '{}'::jsonb, NULL);
                                     END LOOP; END\$\$" >/dev/null
  "$bin" --db "$db" engine --once >/dev/null 2>&1
  ids=$("$bindir/psql" -X -qtA -d "$db" -c "SELECT id FROM tocsin.crises WHERE status = 'active'
                                             AND NOT EXISTS (SELECT 1 FROM tocsin.commands k WHERE k.crisis = id AND k.kind = 'vote')")
  : >"$work/plan"
  local id p
  for id in $ids; do for p in KZ RU TJ; do echo "$p $id" >>"$work/plan"; done; done
  shuf "$work/plan" -o "$work/plan"
  split -n "r/$clients" "$work/plan" "$work/part."
  local start end
  start=$(date +%s%N)
  for f in "$work"/part.*; do
    (
      while read -r p id; do
        if [ "$mode" = direct ]; then conn="host=$sock port=$port user=bp_$p dbname=$name"
        else conn="host=127.0.0.1 port=$pgb_port user=bp_$p dbname=tx"; fi
        "$bin" --db "$conn" vote "$id" approve --state vote --no-wait >/dev/null || echo "vote $id $p failed" >&2
      done <"$f"
    ) &
  done
  wait
  end=$(date +%s%N)
  rm -f "$work"/part.*
  local recorded
  recorded=$("$bindir/psql" -X -qtA -d "$db" -c "SELECT count(*) FROM tocsin.commands WHERE kind = 'vote' AND applied_at IS NULL")
  [ "$recorded" = "$votes" ] || echo "pooling.sh: $recorded votes recorded of $votes" >&2
  "$bin" --db "$db" engine --once >/dev/null 2>&1 # apply them, so the next run counts its own
  awk -v n="$votes" -v ns=$((end - start)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}'
}

direct=() pooled=()
for _ in $(seq 1 "$runs"); do
  direct+=("$(one_run direct)")
  pooled+=("$(one_run pooled)")
done
read -r dm <<<"$(median_spread "${direct[@]}")"
read -r pm <<<"$(median_spread "${pooled[@]}")"

echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
     "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'), PgBouncer $(pgbouncer --version | awk 'NR==1 {print $2}'); $(date -u +%Y-%m-%d)"
echo
echo "| what | median | spread | runs |"
echo "|---|---|---|---|"
echo "| pgbench -N, 1 client (baseline) | ${tps1%% *} TPS | ${tps1#* } | 3 × 5s |"
echo "| pgbench -N, 4 clients (baseline) | ${tps4%% *} TPS | ${tps4#* } | 3 × 5s |"
echo "| pgbench -C SELECT 1, 4 clients, a connection each: direct (unix socket) | ${conn_direct%% *} TPS | ${conn_direct#* } | 3 × 5s |"
echo "| pgbench -C SELECT 1, 4 clients, a connection each: PgBouncer, transaction mode | ${conn_pooled%% *} TPS | ${conn_pooled#* } | 3 × 5s |"
echo "| CLI votes per second, $clients at once, a process each: direct (unix socket) | ${dm%% *}/s | ${dm#* } | $runs × $votes votes |"
echo "| CLI votes per second, $clients at once, a process each: PgBouncer, transaction mode ($pool server connections per delegation) | ${pm%% *}/s | ${pm#* } | $runs × $votes votes |"
