#!/usr/bin/env bash
# Set everything up and run tocsin's main job on a private PostgreSQL.
#
# Today that means: install missing packages, build tocsin, start the private
# PostgreSQL and migrate its database. The full exercise (a member state asks
# for assistance, the council votes, deadlines escalate, the crisis closes)
# plays here once the engine lands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
eval "$(scripts/pg.sh start)"

tocsin=build/release/tocsin
"$tocsin" migrate
echo
"$tocsin" migrate --status
cat <<MSG

The database is ready. To use it from this shell:
  eval "\$(scripts/pg.sh env)"; build/release/tocsin migrate --status

Not yet here: loading playbooks and running a crisis exercise (the engine and
the operator commands are being built; see docs/architecture.md).
MSG
