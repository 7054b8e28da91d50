#!/usr/bin/env bash
# The image test (ctest label docker): build the image offline with podman,
# then run `tocsin migrate` and `tocsin engine --once` from the container
# against a PostgreSQL of the test's own, listening on loopback TCP.
set -euo pipefail
src=${TOCSIN_SOURCE_DIR:?}
bin=${TOCSIN_BIN:?}
dir=$(mktemp -d /tmp/tocsin-image-test.XXXXXX)
chmod 755 "$dir"
port=$((20000 + RANDOM % 20000))
pg() { TOCSIN_PGDIR="$dir" TOCSIN_PGPORT="$port" "$src/scripts/pg.sh" "$@" >/dev/null 2>&1; }
cleanup() { pg destroy || true; rm -rf "$dir"; }
trap cleanup EXIT

"$src/docker/image.sh" build >"$dir.build.log" 2>&1 || { tail -30 "$dir.build.log"; echo "image build failed"; exit 1; }
rm -f "$dir.build.log"
pg start
db="host=127.0.0.1 port=$port user=tocsin dbname=tocsin"

# From the container: migrate, every versioned migration of the tree (and repeatable/).
migrations=$(find "$src/migrations" -maxdepth 1 -name '*.sql' | wc -l)
"$src/docker/image.sh" run -e TOCSIN_DB="$db" tocsin migrate | grep -q "up to date ($migrations migrations applied)"
"$src/docker/image.sh" run tocsin --version | grep -q "^tocsin "

# From the host: a playbook and a crisis; from the container: an engine applies its trigger.
"$bin" --db "$db" playbook load "$src/tests/data/playbooks/valid/council.json" >/dev/null
"$bin" --db "$db" trigger council --no-wait >/dev/null
"$src/docker/image.sh" run -e TOCSIN_DB="$db" tocsin engine --once
active=$("$bin" --db "$db" show 1 --json | grep -c '"path": "consensus"')
[ "$active" -ge 1 ] || { echo "the container's engine did not apply the trigger"; exit 1; }
# The container runs as an unprivileged user.
[ "$("$src/docker/image.sh" run --entrypoint id tocsin -u)" != 0 ]
echo "image test: 1 passed, 0 failed"
