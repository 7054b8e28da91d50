#!/usr/bin/env bash
# The fault suite (tests/faults/test_faults.c): crises driven by concurrent CLIs, each command with
# an idempotency key and sent again on exit 7, while engines are killed with SIGKILL, their backends
# terminated and the database crashed or failed over; then every acknowledged command must be
# applied once and in order, no audit event twice, no crisis open, every chain verified.
#
#   scripts/faults.sh short   the form CI runs (ctest -L faults, release build): 36 crises on a
#                             PostgreSQL of its own, crashed and restarted (scripts/pg.sh crash)
#   scripts/faults.sh full    2,000 crises, three engines, a fault every 1.5 s (half of them engine
#                             kills), on a Patroni cluster of its own (scripts/ha.sh) whose primary
#                             is killed once, a third of the way through: one failover
#
# The figures (crises, commands, kills, lost, applied twice, time) are printed at the end. Settings
# of the full form may be overridden: TOCSIN_FAULTS_CRISES, TOCSIN_FAULTS_ENGINES,
# TOCSIN_FAULTS_PARALLEL, TOCSIN_FAULTS_EVERY_MS, TOCSIN_FAULTS_HA (0: the private cluster,
# restarted, instead of Patroni), TOCSIN_FAULTS_SECONDS (the most a run may take).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

form=${1:-short}
cmake --preset release >/dev/null
cmake --build --preset release -j 2 --target tocsin test_faults >/dev/null
case "$form" in
  short)
    eval "$(scripts/pg.sh env)"
    exec ctest --preset release -L faults --output-on-failure ;;
  full)
    export TOCSIN_BIN="$PWD/build/release/tocsin" TOCSIN_SOURCE_DIR="$PWD"
    export TOCSIN_FAULTS_CRISES=${TOCSIN_FAULTS_CRISES:-2000}
    export TOCSIN_FAULTS_ENGINES=${TOCSIN_FAULTS_ENGINES:-3}
    export TOCSIN_FAULTS_PARALLEL=${TOCSIN_FAULTS_PARALLEL:-6}
    export TOCSIN_FAULTS_EVERY_MS=${TOCSIN_FAULTS_EVERY_MS:-1500}
    export TOCSIN_FAULTS_HA=${TOCSIN_FAULTS_HA:-1}
    export TOCSIN_FAULTS_SECONDS=${TOCSIN_FAULTS_SECONDS:-3600}
    start=$(date +%s)
    build/release/tests/test_faults
    echo "faults.sh full: $(($(date +%s) - start)) s in all"
    ;;
  -h|--help|help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "faults.sh: unknown form '$form' (short or full)" >&2; exit 2 ;;
esac
