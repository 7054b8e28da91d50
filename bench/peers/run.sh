#!/usr/bin/env bash
# Run the benchmark peers (other engines doing tocsin's benchmark scenarios)
# against the private PostgreSQL of scripts/pg.sh and print their Markdown rows
# (`| what | median | spread | runs |`) on stdout, in the format of bench/run.sh.
# Installs a peer's dependencies first when they are missing or out of date.
# Not part of the test suite.
#
#   bench/peers/run.sh                       the DBOS peer, full size (about two minutes)
#   bench/peers/run.sh --runs 1 --crises 100 smaller; arguments go to bench/peers/dbos/bench.mjs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

eval "$(scripts/pg.sh start 2>/dev/null)"

dbos=bench/peers/dbos
# npm ci writes node_modules/.package-lock.json; a lockfile newer than it means
# the pinned versions changed since the last install.
if [ ! -f "$dbos/node_modules/.package-lock.json" ] || [ "$dbos/package-lock.json" -nt "$dbos/node_modules/.package-lock.json" ]; then
  "$dbos/install.sh"
fi
node "$dbos/bench.mjs" "$TOCSIN_TEST_DB" "$@"
