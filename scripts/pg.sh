#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start     create the cluster if needed and start it (idempotent);
#                           prints the TOCSIN_DB line to eval on stdout
#   scripts/pg.sh stop      stop it (idempotent)
#   scripts/pg.sh crash     stop it as a crash would (pg_ctl -m immediate: no checkpoint,
#                           recovery from the WAL at the next start); for the fault suite
#   scripts/pg.sh status    say whether it runs, where, and the TOCSIN_DB to use
#   scripts/pg.sh env       print the variables to use, for: eval "$(scripts/pg.sh env)"
#   scripts/pg.sh psql ...  psql as the cluster's superuser
#   scripts/pg.sh destroy   stop it and delete its directory
#
# The cluster lives in one directory (default: .pg in the checkout, git-ignored;
# set TOCSIN_PGDIR to choose another) and listens on a unix socket inside it and on
# no TCP port, so it never collides with another server. TOCSIN_PGPORT=N also opens
# 127.0.0.1:N (for containers). Called as root, the server runs as the unprivileged
# user TOCSIN_PGUSER (default postgres), since PostgreSQL refuses to run as root.
# The superuser and default database are both named tocsin (TOCSIN_PGDATABASE=NAME
# makes TOCSIN_DB name another database, which you create); local connections use
# trust authentication, which is safe only because the socket directory is private,
# except for members of the role tocsin_password_login, which must give their password
# (scram-sha-256) even on the socket: the board's tests prove a wrong one is refused.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port_tcp=${TOCSIN_PGPORT:-}
sock_port=${TOCSIN_PGPORT:-5432}

die() { echo "pg.sh: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

# as_server, servers_dir, server_bindir
. "$repo/scripts/lib/servers.sh"

dir=$(servers_dir "${TOCSIN_PGDIR:-}" pg 80)
data="$dir/data"
sock="$dir/run"
log="$dir/server.log"
conninfo="host=$sock port=$sock_port user=tocsin dbname=${TOCSIN_PGDATABASE:-tocsin}"
admin_conninfo="host=$sock port=$sock_port user=tocsin dbname=postgres"

bindir=$(server_bindir) || die "cannot find the PostgreSQL server binaries (initdb); run scripts/deps.sh"

running() { [ -f "$data/postmaster.pid" ] && as_server "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

create() {
  [ -f "$data/PG_VERSION" ] && return 0
  say "creating a cluster in $dir"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir"
  chmod 700 "$dir"
  as_server mkdir -p "$sock"
  as_server "$bindir/initdb" -D "$data" -U tocsin --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { tail -5 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
  cat >>"$data/postgresql.conf" <<CONF
# tocsin private cluster
listen_addresses = '${port_tcp:+127.0.0.1}'
port = $sock_port
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
log_min_messages = warning
log_min_error_statement = panic
CONF
}

# Members of tocsin_password_login authenticate with their password, before the trust lines
# (pg_hba.conf is read top down, first match wins). Idempotent; clusters made before it get it too.
password_rule() {
  local hba="$data/pg_hba.conf"
  as_server grep -q '+tocsin_password_login' "$hba" && return 0
  as_server sed -i '0,/^local/s//local   all             +tocsin_password_login                  scram-sha-256\n&/' "$hba"
}

start() {
  create
  password_rule
  if running; then
    say "already running in $dir"
  else
    as_server mkdir -p "$sock"
    as_server "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null \
      || { tail -5 "$log" >&2; die "the server did not start (log: $log)"; }
    as_server "$bindir/psql" -X -q -d "$admin_conninfo" -c 'SELECT 1' >/dev/null 2>&1 \
      || die "the server started but does not answer on $sock"
    if ! as_server "$bindir/psql" -X -qtA -d "$admin_conninfo" \
         -c "SELECT 1 FROM pg_database WHERE datname = 'tocsin'" | grep -q 1; then
      as_server "$bindir/createdb" -h "$sock" -p "$sock_port" -U tocsin tocsin
    fi
    say "started in $dir (socket only${port_tcp:+, and 127.0.0.1:$port_tcp})"
  fi
  as_server "$bindir/pg_ctl" -D "$data" reload >/dev/null
  as_server "$bindir/psql" -X -q -d "$admin_conninfo" -c \
    "DO \$\$BEGIN CREATE ROLE tocsin_password_login NOLOGIN; EXCEPTION WHEN duplicate_object THEN END\$\$" \
    >/dev/null 2>&1 || die "cannot create the role tocsin_password_login"

  env_lines
}

# stop MODE WORD: pg_ctl stop -m MODE (fast: a clean shutdown; immediate: a crash, recovered at the
# next start), then says WORD.
stop() {
  if running; then
    as_server "$bindir/pg_ctl" -D "$data" -m "$1" -w stop >/dev/null
    say "$2"
  else
    say "not running"
  fi
}

env_lines() {
  echo "export TOCSIN_DB='$conninfo'"
  echo "export TOCSIN_TEST_DB='$admin_conninfo'"
}

cmd=${1:-status}; shift || true
case "$cmd" in
  start) start ;;
  stop) stop fast stopped ;;
  crash) stop immediate crashed ;;
  status)
    if running; then echo "running in $dir"; else echo "not running (directory: $dir)"; fi
    echo "TOCSIN_DB='$conninfo'"
    running ;;
  env) env_lines ;;
  psql) exec "$bindir/psql" -X -d "$conninfo" "$@" ;;
  destroy) stop fast stopped; rm -rf "$dir"; say "removed $dir" ;;
  -h|--help|help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "pg.sh: unknown command '$cmd' (see scripts/pg.sh --help)" >&2; exit 2 ;;
esac
