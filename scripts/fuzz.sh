#!/usr/bin/env bash
# Fuzz the playbook compiler with libFuzzer (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) for a bounded time, seeded with the example
# playbooks and the invalid fixtures; then the offline verifier of exported
# audits (audit verify --file) for half that time, seeded with
# tests/fuzz/offline.
#
#   scripts/fuzz.sh          60 seconds (and 30)
#   scripts/fuzz.sh 600      ten minutes (and five)
#
# A crash leaves its input as build/fuzz/crash-*; rerun it with
# build/fuzz/fuzz_playbook (or fuzz_offline) build/fuzz/crash-...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}

scripts/deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

corpus=build/fuzz/corpus
mkdir -p "$corpus"
cp workflows/*.json tests/data/playbooks/invalid/*.json "$corpus"/
cd build/fuzz
echo "fuzzing the playbook compiler for ${seconds}s"
./fuzz_playbook -max_total_time="$seconds" -max_len=65536 -dict=../../tests/fuzz/playbook.dict \
  -print_final_stats=1 corpus 2>&1 | grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' | tail -25
echo "fuzzing passed: no crash, leak or undefined behaviour in ${seconds}s"

mkdir -p corpus-offline
cp ../../tests/fuzz/offline/* corpus-offline/
echo "fuzzing the offline verifier for $((seconds / 2))s"
./fuzz_offline -max_total_time="$((seconds / 2))" -max_len=65536 -print_final_stats=1 corpus-offline 2>&1 |
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' | tail -25
echo "fuzzing passed: no crash, leak or undefined behaviour in $((seconds / 2))s"
