#!/usr/bin/env bash
# Fuzz the parsers that read what others wrote, with libFuzzer (clang,
# AddressSanitizer and UndefinedBehaviorSanitizer), each for a bounded time,
# each seeded from the repository's own files (tests/fuzz/):
#
#   fuzz_playbook   the playbook compiler         workflows/, tests/data/playbooks/invalid/
#   fuzz_simulate   the simulate script reader    tests/data/simulate/ behind their playbook's name
#   fuzz_instance   the crisis state readers      the states those scripts' crises pass through
#                   (text and JSON, as stored)    (seed_instances)
#   fuzz_condition  durations and conditions      the playbooks' durations and "when"s, the
#                                                 scripts' data (seed_conditions.py)
#   fuzz_cli        the CLI's arguments and JSON  tests/fuzz/seeds/cli/ (README's and docs/cli.md's)
#   fuzz_offline    audit verify --file: an       tests/fuzz/offline/ (an export, keys and heads,
#                   export, keys and heads        signed with a stand-in for Ed25519)
#
#   scripts/fuzz.sh                   60 seconds each
#   scripts/fuzz.sh 600               ten minutes each
#   scripts/fuzz.sh 60 fuzz_instance  only the targets named
#   TOCSIN_FUZZ_JOBS=1 scripts/fuzz.sh   one at a time (default: two at once, as many as cores)
#
# The corpora grow in build/fuzz/corpus/TARGET between runs. A crash leaves
# its input as build/fuzz/TARGET/crash-* (or leak-*, timeout-*); rerun it with
# build/fuzz/fuzz_TARGET build/fuzz/TARGET/crash-...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_playbook fuzz_simulate fuzz_instance fuzz_condition fuzz_cli fuzz_offline)

scripts/deps.sh
cmake --preset fuzz >/dev/null
# The harnesses only (not the binary or the benchmarks).
build=(--target fuzz_playbook fuzz_simulate fuzz_instance fuzz_condition fuzz_cli fuzz_offline seed_instances)
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)" "${build[@]}" >/dev/null \
  || cmake --build --preset fuzz -j 1 "${build[@]}" # rerun serially so the error is readable

# The seeds, each behind what the harness reads first (fuzz_support.h: the playbook's name).
corpus=build/fuzz/corpus
mkdir -p "$corpus"/{playbook,simulate,instance,condition,cli,offline}
cp workflows/*.json tests/data/playbooks/invalid/*.json "$corpus"/playbook/
for script in tests/data/simulate/*.json; do
  name=$(basename "$script" .json)
  for playbook in workflows/*.json; do
    p=$(basename "$playbook" .json)
    [[ $name == "$p"-* ]] && { echo "$p"; cat "$script"; } >"$corpus/simulate/$name"
  done
done
build/fuzz/seed_instances "$corpus"/instance
python3 tests/fuzz/seed_conditions.py . "$corpus"/condition
cp tests/fuzz/seeds/cli/* "$corpus"/cli/
cp tests/fuzz/offline/* "$corpus"/offline/

# One target: its output in build/fuzz/TARGET/log, its findings beside it.
run() {
  local target=$1 dir=build/fuzz/${1#fuzz_} extra=()
  mkdir -p "$dir"
  [ "$target" = fuzz_playbook ] && extra=(-dict=../../../tests/fuzz/playbook.dict)
  (cd "$dir" && exec "../$target" -max_total_time="$seconds" -max_len=65536 -timeout=30 \
    -print_final_stats=1 "${extra[@]}" "../corpus/${target#fuzz_}" >log 2>&1)
}

jobs=${TOCSIN_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -le 2 ] || jobs=2
echo "fuzzing ${targets[*]} for ${seconds}s each, $jobs at a time"
failed=()
pids=() names=()
for target in "${targets[@]}"; do
  run "$target" &
  pids+=($!) names+=("$target")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed+=("${names[0]}")
    pids=("${pids[@]:1}") names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
done

for target in "${targets[@]}"; do
  log=build/fuzz/${target#fuzz_}/log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$target: ${runs:-?} runs, corpus $(find "$corpus/${target#fuzz_}" -type f | wc -l) inputs"
done
if [ ${#failed[@]} -gt 0 ]; then
  for target in "${failed[@]}"; do
    echo "== $target failed ==" >&2
    grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "build/fuzz/${target#fuzz_}/log" | tail -40 >&2
  done
  echo "fuzzing failed: ${failed[*]} (inputs in build/fuzz/TARGET/)" >&2
  exit 1
fi
echo "fuzzing passed: no crash, leak or undefined behaviour in ${seconds}s of each target"
