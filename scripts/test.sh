#!/usr/bin/env bash
# Set everything up and run the whole test suite, as CI does:
# install missing packages, start the private PostgreSQL, then for each build
# (release, and debug with AddressSanitizer + UndefinedBehaviorSanitizer)
# configure, build and run every test (unit and integration) with ctest.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         extra arguments go to ctest (here: unit tests only)
#   TOCSIN_PRESETS=debug scripts/test.sh   only the sanitizer build
#
# The server keeps running afterwards for quick reruns; scripts/pg.sh stop stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
eval "$(scripts/pg.sh start)"

jobs=$(nproc 2>/dev/null || echo 2)
for preset in ${TOCSIN_PRESETS:-release debug}; do
  echo "== $preset build =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs" >/dev/null \
    || cmake --build --preset "$preset" -j 1 # rerun serially so the error is readable
  ctest --preset "$preset" "$@"
done
