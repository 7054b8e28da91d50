#!/usr/bin/env bash
# Branch coverage of the pure core (engine/core), measured with gcovr: build
# the coverage preset (gcc --coverage, -O0), run the unit tests, print gcovr's
# branch summary for engine/core, and fail when the branch coverage of
# engine/core falls below the threshold below. CI runs it from scripts/test.sh.
#
#   scripts/coverage.sh               the unit tests (the core's own tests; a few seconds once built)
#   scripts/coverage.sh --all         every test but the image's (needs the private cluster:
#                                     eval "$(scripts/pg.sh start)"; about two and a half minutes more)
#   COVERAGE_HTML=build/coverage/html/index.html scripts/coverage.sh   also a browsable report
#
# Nothing in engine/core is excluded from the figure. The threshold only ever
# goes up: raise it when the figure rises, never lower it to let a change in.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

threshold=99.0 # percent of engine/core's branches taken by the unit tests (68.7 when first measured)

labels=(-L unit)
case "${1:-}" in
  --all) labels=(-LE docker) ;;
  "") ;;
  *) echo "usage: scripts/coverage.sh [--all]" >&2; exit 2 ;;
esac

scripts/deps.sh
cmake --preset coverage >/dev/null
# The unit tests need their own programs and the libraries test_symbols reads; --all needs everything.
targets=()
if [ "${labels[0]}" = -L ]; then
  targets=(--target tocsin_core libtocsin tocsin_board
           $(ctest --preset coverage -L unit -N | sed -n 's/^ *Test *#[0-9]*: \(test_[a-z_0-9]*\)$/\1/p' | grep -vx test_symbols))
fi
cmake --build --preset coverage -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}" >/dev/null \
  || cmake --build --preset coverage -j 1 "${targets[@]}" # rerun serially so the error is readable

# Counters from an earlier run would add to this one's.
find build/coverage -name '*.gcda' -delete
ctest --preset coverage "${labels[@]}" --output-on-failure >/dev/null \
  || { ctest --preset coverage "${labels[@]}" --rerun-failed --output-on-failure; exit 1; }

report=(gcovr --root . --filter 'engine/core/' build/coverage)
[ -z "${COVERAGE_HTML:-}" ] || "${report[@]}" --html-details "$COVERAGE_HTML" >/dev/null
echo "branch coverage of engine/core (threshold ${threshold}%):"
# The table per file, then the summary; gcovr exits 4 (and says so) below the threshold.
"${report[@]}" --branches --print-summary --fail-under-branch "$threshold" | sed -n '/^File/,$p'
