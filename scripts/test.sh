#!/usr/bin/env bash
# Set everything up and run the whole test suite, as CI does:
# install missing packages, check the C formatting (scripts/format.sh), start
# the private PostgreSQL, then for each build
# (release, and debug with AddressSanitizer + UndefinedBehaviorSanitizer)
# configure, build and run every test (unit and integration) with ctest;
# then measure the branch coverage of engine/core (scripts/coverage.sh) and
# fuzz the parsers, a minute each (scripts/fuzz.sh).
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         extra arguments go to ctest (here: unit tests only)
#   TOCSIN_PRESETS=debug scripts/test.sh   only the sanitizer build
#   TOCSIN_COVERAGE=0 TOCSIN_FUZZ_SECONDS=0 scripts/test.sh   without the coverage and fuzz steps
#
# The server keeps running afterwards for quick reruns; scripts/pg.sh stop stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
scripts/format.sh --check
eval "$(scripts/pg.sh start)"

jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
for preset in ${TOCSIN_PRESETS:-release debug}; do
  echo "== $preset build =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs" >/dev/null \
    || cmake --build --preset "$preset" -j 1 # rerun serially so the error is readable
  # The image test (label docker) builds a container, the failover test (label ha) runs a Patroni
  # cluster for a minute, and the fault suite's short form (label faults) a minute and more of crises
  # under faults: once is enough, in the release pass.
  skip=()
  [ "$preset" = release ] || skip=(-LE 'docker|ha|faults')
  ctest --preset "$preset" "${skip[@]}" "$@" | tee "$log"
  passed=$((passed + $(sed -n 's/.* 0 tests failed out of \([0-9]*\)/\1/p' "$log")))
done

# The branch coverage of engine/core by the unit tests, failing below the
# threshold kept in scripts/coverage.sh (TOCSIN_COVERAGE=0 skips it).
if [ "${TOCSIN_COVERAGE:-1}" != 0 ] && [ $# -eq 0 ]; then
  echo "== coverage =="
  scripts/coverage.sh
fi

# Each parser under libFuzzer for a bounded time (TOCSIN_FUZZ_SECONDS=0 skips it).
if [ "${TOCSIN_FUZZ_SECONDS:-60}" -gt 0 ] && [ $# -eq 0 ]; then
  echo "== fuzz =="
  scripts/fuzz.sh "${TOCSIN_FUZZ_SECONDS:-60}"
fi

echo "tests: $passed passed, 0 failed"
