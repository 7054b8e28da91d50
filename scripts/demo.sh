#!/usr/bin/env bash
# Set everything up and run tocsin's main job on a private PostgreSQL.
#
# Today that means: install missing packages, build tocsin, start the private
# PostgreSQL and migrate its database, check the example playbooks, and
# rehearse the collective-response playbook with the offline simulator (a
# member state asks for assistance, the secretariat assesses, the council
# decides by consensus with one abstention, the tracks are mobilised, the
# crisis closes). Once the engine lands, the same exercise runs for real
# against the database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
eval "$(scripts/pg.sh start)"

tocsin=build/release/tocsin
section() { printf '\n== %s ==\n' "$1"; }

section "the database"
"$tocsin" migrate
"$tocsin" migrate --status

section "the example playbooks"
"$tocsin" playbook validate workflows/*.json

section "an exercise: collective response to a member state's request (virtual time)"
"$tocsin" simulate workflows/collective-response.json \
  --script tests/data/simulate/collective-response-consensus-mobilise.json

cat <<MSG

Next steps:
  eval "\$(scripts/pg.sh env)"      # TOCSIN_DB for the private database
  $tocsin playbook graph workflows/collective-response.json | dot -Tsvg > response.svg
  $tocsin simulate workflows/border-incident.json --script tests/data/simulate/border-incident-veto-silence-broken.json
Not yet here: running crises for real (the engine daemon and the operator
commands are being built; see docs/architecture.md).
MSG
