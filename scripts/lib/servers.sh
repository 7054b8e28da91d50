# shellcheck shell=bash
# Sourced by scripts/pg.sh and scripts/ha.sh: the user the PostgreSQL servers
# run as, where their files live and where their binaries are. Expects $repo
# (the checkout) and die().

# as_server CMD...: run a command as the user that owns the servers. Called as
# root, that is TOCSIN_PGUSER (default postgres): PostgreSQL refuses to run as root.
if [ "$(id -u)" -eq 0 ]; then
  server_user=${TOCSIN_PGUSER:-postgres}
  id "$server_user" >/dev/null 2>&1 || die "user $server_user does not exist; set TOCSIN_PGUSER to an unprivileged user"
  as_server() { runuser -u "$server_user" -- "$@"; }
else
  server_user=$(id -un)
  as_server() { "$@"; }
fi

# servers_dir CHOSEN NAME MAX: the directory of the servers' files: CHOSEN when
# set (the user's TOCSIN_PGDIR or TOCSIN_HADIR), else .NAME in the checkout,
# unless the server user cannot reach it (a checkout under /root, say) or its
# path is MAX characters or more (a unix socket's path must stay short); then
# one under $TMPDIR named after the checkout.
servers_dir() {
  local chosen=$1 name=$2 max=$3
  if [ -n "$chosen" ]; then echo "$chosen"; return; fi
  local d="$repo/.$name"
  if [ ${#d} -lt "$max" ] && as_server test -x "$repo" 2>/dev/null; then
    echo "$d"; return
  fi
  echo "${TMPDIR:-/tmp}/tocsin-$name-$(echo -n "$repo" | cksum | cut -d' ' -f1)"
}

# server_bindir: the PostgreSQL server binaries' directory (pg_config's, else
# the newest under /usr/lib/postgresql); fails when there are none.
server_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir)
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  return 1
}
