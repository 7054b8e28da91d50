#!/usr/bin/env bash
# A PostgreSQL 15 cluster with automatic failover, on this machine and loopback only:
# one etcd and N Patroni nodes (Debian's etcd-server and patroni) in synchronous mode.
#
#   scripts/ha.sh start        start etcd and the nodes (idempotent), wait for a primary and a
#                              synchronous standby, create the database tocsin; prints the
#                              TOCSIN_DB line to eval on stdout
#   scripts/ha.sh stop         stop the nodes, then etcd (idempotent)
#   scripts/ha.sh env          print the variables to use, for: eval "$(scripts/ha.sh env)"
#   scripts/ha.sh status       patronictl list (exit 1 when nothing runs)
#   scripts/ha.sh primary      the name of the primary node (exit 1 when there is none)
#   scripts/ha.sh kill-primary SIGKILL the primary's postmaster; prints its name and the time of the
#                              kill in epoch milliseconds
#   scripts/ha.sh switchover   a planned switchover to the synchronous standby (patronictl); prints
#                              the old primary's name and the time it was asked, in epoch ms
#   scripts/ha.sh patronictl ARGS...   patronictl with this cluster's configuration
#   scripts/ha.sh destroy      stop it and delete its directory
#
# Settings (environment): TOCSIN_HADIR the directory (default .ha in the checkout, else under
# /tmp like scripts/pg.sh), TOCSIN_HA_NODES the number of nodes (2 or 3, default 3),
# TOCSIN_HA_PORT the first of the ports it uses (default 25400): etcd's client and peer ports
# are PORT and PORT+1, node i's PostgreSQL PORT+10+i and its REST API PORT+20+i.
#
# The conninfo names every node, `target_session_attrs=read-write` so that libpq skips
# replicas, and a password file: the nodes listen on 127.0.0.1 with scram-sha-256 for the
# superuser tocsin, whose password is made at the first start and kept in the directory
# (0600, readable by the caller only). Called as root, etcd, Patroni and PostgreSQL run as
# the unprivileged TOCSIN_PGUSER (default postgres), as scripts/pg.sh does.
#
# Failover is tuned for a drill, not for a WAN: ttl 10 s, loop_wait 1 s, retry_timeout 4 s,
# and primary_start_timeout 0, so a primary whose postmaster dies is failed over to the
# synchronous standby at once rather than restarted in place; synchronous_mode makes every
# commit wait for that standby, so nothing acknowledged is lost. The old primary rejoins as
# a replica (pg_rewind when it must).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nodes=${TOCSIN_HA_NODES:-3}
base=${TOCSIN_HA_PORT:-25400}
scope=tocsin-ha

die() { echo "ha.sh: $*" >&2; exit 1; }
say() { echo "ha.sh: $*" >&2; }

case "$nodes" in 2|3) ;; *) die "TOCSIN_HA_NODES must be 2 or 3" ;; esac

# as_server, servers_dir, server_bindir
. "$repo/scripts/lib/servers.sh"

dir=$(servers_dir "${TOCSIN_HADIR:-}" ha 70)
bindir=$(server_bindir) || bindir=""

etcd_port=$base
etcd_peer=$((base + 1))
pg_port() { echo $((base + 10 + $1)); }
api_port() { echo $((base + 20 + $1)); }

conninfo() {
  local hosts="" ports="" i
  for i in $(seq 1 "$nodes"); do
    hosts+="${hosts:+,}127.0.0.1"
    ports+="${ports:+,}$(pg_port "$i")"
  done
  echo "host=$hosts port=$ports user=tocsin dbname=tocsin target_session_attrs=read-write passfile=$dir/pgpass"
}

env_lines() {
  echo "export TOCSIN_DB='$(conninfo)'"
}

# A process of ours runs: its pid file names a live process.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts a daemon as the server user, in a session of its own, its pid in pidfile.
daemon() {
  local pidfile=$1 log=$2
  shift 2
  as_server env HOME="$dir" setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" >>"$log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "cannot start $1"
}

write_config() {
  local i=$1 secret=$2
  local node="$dir/node$i"
  as_server mkdir -p "$node/run"
  as_server chmod 700 "$node"
  as_server tee "$node/patroni.yml" >/dev/null <<YAML
scope: $scope
name: node$i
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$(api_port "$i")
  connect_address: 127.0.0.1:$(api_port "$i")
etcd3:
  hosts: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_log_hints: 'on'
        wal_keep_size: 256MB
        max_wal_senders: 10
        max_replication_slots: 10
        hot_standby: 'on'
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth-local: trust
    - auth-host: scram-sha-256
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$(pg_port "$i")
  connect_address: 127.0.0.1:$(pg_port "$i")
  data_dir: $node/data
  bin_dir: $bindir
  pgpass: $node/pgpass.patroni
  authentication:
    superuser:
      username: tocsin
      password: '$secret'
    replication:
      username: replicator
      password: '$secret'
    rewind:
      username: tocsin
      password: '$secret'
  parameters:
    unix_socket_directories: '$node/run'
    unix_socket_permissions: '0700'
    shared_buffers: 64MB
    log_min_messages: warning
    password_encryption: scram-sha-256
tags:
  nofailover: false
  noloadbalance: false
YAML
}

http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1$2" 2>/dev/null || true; }

# The name of the node that answers /primary, or nothing.
find_primary() {
  local i
  for i in $(seq 1 "$nodes"); do
    [ "$(http_code "$(api_port "$i")" /primary)" = 200 ] && { echo "node$i"; return 0; }
  done
  return 1
}

find_sync() {
  local i
  for i in $(seq 1 "$nodes"); do
    [ "$(http_code "$(api_port "$i")" /sync)" = 200 ] && { echo "node$i"; return 0; }
  done
  return 1
}

now_ms() { date +%s%3N; }

start() {
  [ -n "$bindir" ] || die "cannot find the PostgreSQL server binaries; run scripts/deps.sh"
  command -v etcd >/dev/null || die "etcd is not installed (etcd-server); run scripts/deps.sh"
  command -v patroni >/dev/null || die "patroni is not installed; run scripts/deps.sh"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir"
  chmod 711 "$dir"
  if [ ! -s "$dir/secret" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/secret")
  fi
  local secret
  secret=$(cat "$dir/secret")
  (umask 077; echo "127.0.0.1:*:*:tocsin:$secret" >"$dir/pgpass")

  if ! alive "$dir/etcd.pid"; then
    as_server mkdir -p "$dir/etcd"
    as_server chmod 700 "$dir/etcd"
    daemon "$dir/etcd.pid" "$dir/etcd.log" /usr/bin/etcd --name tocsin-ha --data-dir "$dir/etcd/data" \
      --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
      --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
      --initial-cluster "tocsin-ha=http://127.0.0.1:$etcd_peer" --initial-cluster-token "$scope" \
      --listen-metrics-urls "" --log-level warn
    local i ok=0
    for i in $(seq 1 100); do
      curl -s -m 1 "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' && { ok=1; break; }
      sleep 0.1
    done
    [ $ok = 1 ] || { tail -5 "$dir/etcd.log" >&2; die "etcd did not start (log: $dir/etcd.log)"; }
  fi

  local i fresh=1
  [ -f "$dir/node1/data/PG_VERSION" ] && fresh=0
  for i in $(seq 1 "$nodes"); do
    write_config "$i" "$secret"
    alive "$dir/node$i/patroni.pid" && continue
    daemon "$dir/node$i/patroni.pid" "$dir/node$i/patroni.log" /usr/bin/patroni "$dir/node$i/patroni.yml"
    # A new cluster: the first node bootstraps it, and the others copy it once it runs.
    [ "$i" = 1 ] && [ $fresh = 1 ] && wait_for "a primary" find_primary 120
  done
  wait_for "a primary" find_primary 120
  wait_for "a synchronous standby" find_sync 120
  local primary
  primary=$(find_primary)
  # The database, created on the primary (it replicates).
  local p=${primary#node}
  if ! PGPASSFILE="$dir/pgpass" "$bindir/psql" -X -qtA -h 127.0.0.1 -p "$(pg_port "$p")" -U tocsin -d postgres \
       -c "SELECT 1 FROM pg_database WHERE datname = 'tocsin'" | grep -q 1; then
    PGPASSFILE="$dir/pgpass" "$bindir/psql" -X -q -h 127.0.0.1 -p "$(pg_port "$p")" -U tocsin -d postgres \
      -c "CREATE DATABASE tocsin" >/dev/null
  fi
  say "running in $dir: etcd on 127.0.0.1:$etcd_port, $nodes nodes, primary $primary"
  env_lines
}

# wait_for WHAT FUNCTION SECONDS
wait_for() {
  local what=$1 fn=$2 seconds=$3 i
  for i in $(seq 1 $((seconds * 5))); do
    $fn >/dev/null && return 0
    sleep 0.2
  done
  local n
  for n in $(seq 1 "$nodes"); do [ -f "$dir/node$n/patroni.log" ] && tail -5 "$dir/node$n/patroni.log" >&2; done
  die "no $what after ${seconds}s (logs: $dir/node*/patroni.log)"
}

stop_pidfile() {
  local pidfile=$1 what=$2 i
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$what did not stop in 30 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop() {
  local i
  # Replicas first, so that the primary does not fail over to one of them as they go.
  local primary
  primary=$(find_primary || true)
  for i in $(seq 1 3); do
    [ "node$i" = "$primary" ] && continue
    stop_pidfile "$dir/node$i/patroni.pid" "patroni node$i"
  done
  [ -n "$primary" ] && stop_pidfile "$dir/$primary/patroni.pid" "patroni $primary"
  # A postmaster left by a Patroni that was killed: stop it as pg_ctl would.
  for i in $(seq 1 3); do
    local data="$dir/node$i/data"
    if [ -f "$data/postmaster.pid" ] && as_server "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_server "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  stop_pidfile "$dir/etcd.pid" etcd
  say "stopped"
}

patronictl_() {
  as_server env HOME="$dir" /usr/bin/patronictl -c "$dir/node1/patroni.yml" "$@"
}

kill_primary() {
  local primary
  primary=$(find_primary) || die "no primary"
  local pid
  pid=$(head -1 "$dir/$primary/data/postmaster.pid")
  kill -KILL "$pid"
  echo "$primary $(now_ms)"
}

switchover() {
  local primary sync at
  primary=$(find_primary) || die "no primary"
  sync=$(find_sync) || die "no synchronous standby"
  at=$(now_ms)
  patronictl_ switchover "$scope" --leader "$primary" --candidate "$sync" --force >&2
  echo "$primary $at"
}

cmd=${1:-status}; shift || true
case "$cmd" in
  start) start ;;
  stop) stop ;;
  env) env_lines ;;
  status)
    alive "$dir/etcd.pid" || { echo "not running (directory: $dir)"; exit 1; }
    patronictl_ list
    echo "TOCSIN_DB='$(conninfo)'" ;;
  primary) find_primary ;;
  kill-primary) kill_primary ;;
  switchover) switchover ;;
  patronictl) patronictl_ "$@" ;;
  destroy) stop; rm -rf "$dir"; say "removed $dir" ;;
  -h|--help|help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "ha.sh: unknown command '$cmd' (see scripts/ha.sh --help)" >&2; exit 2 ;;
esac
