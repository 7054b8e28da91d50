#!/usr/bin/env bash
# Install the DBOS peer's dependencies (the versions pinned in package-lock.json)
# into bench/peers/dbos/node_modules. Needs Node.js 20 or later and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "install.sh: the DBOS peer needs node and npm (Node.js 20 or later)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: Node.js $(node --version) is too old, 20 or later needed" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >&2
