#!/usr/bin/env bash
# The README test (ctest label integration): what README.md shows must be true.
#  1. Its Mermaid picture is what `tocsin playbook graph --format mermaid` draws.
#  2. The shell blocks of its "Using tocsin" section run, in order, from the
#     checkout, as a user would paste them, against a database of their own
#     (TOCSIN_PGDATABASE, in the private cluster of scripts/pg.sh), with
#     build/release/tocsin replaced by the binary under test; then their output
#     must tell the story they promise.
# The Quick start and "Building by hand" blocks are what CI itself runs
# (.ci/run calls scripts/demo.sh and scripts/test.sh).
set -euo pipefail
src=${TOCSIN_SOURCE_DIR:?}
bin=${TOCSIN_BIN:?}
cd "$src"
fail() { echo "test_readme: $*" >&2; exit 1; }

tmp=$(mktemp -d)
db=readme_$$
cleanup() {
  rm -rf "$tmp"
  rm -f border.dot # what the README's graph command writes
  scripts/pg.sh psql -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# 1. The picture.
awk '/^```mermaid$/ {on = 1; next} on && /^```$/ {exit} on' README.md > "$tmp/picture.mmd"
[ -s "$tmp/picture.mmd" ] || fail "README.md has no mermaid block"
"$bin" playbook graph workflows/border-incident.json --format mermaid \
  | diff -u "$tmp/picture.mmd" - \
  || fail "README's picture differs from 'tocsin playbook graph workflows/border-incident.json --format mermaid' (paste the new output)"
echo "ok - the picture is the graph of workflows/border-incident.json"

# 2. The commands.
script="$tmp/commands.sh"
out="$tmp/commands.out"
{
  echo 'set -euo pipefail'
  echo 'trap '\''kill $(jobs -p) 2>/dev/null || true; wait'\'' EXIT  # the engine the block started'
  awk '/^## Using tocsin/ {sec = 1; next} sec && /^## / {exit}
       sec && /^```sh$/ {on = 1; next} on && /^```$/ {on = 0; next} on' README.md \
    | sed "s#build/release/tocsin#\"\$TOCSIN_BIN\"#g"
} > "$script"
grep -q 'trigger' "$script" || fail "no commands found in README's 'Using tocsin' section"

scripts/pg.sh start >/dev/null 2>&1 || fail "the private cluster (scripts/pg.sh start) does not start"
scripts/pg.sh psql -q -c "CREATE DATABASE $db" >/dev/null

if ! TOCSIN_PGDATABASE=$db TOCSIN_BIN=$bin bash "$script" > "$out" 2>&1; then
  cat "$out"
  fail "a command of README's 'Using tocsin' section failed"
fi
expect() {
  grep -q -- "$1" "$out" || { cat "$out"; fail "README's commands did not print '$1' ($2)"; }
  echo "ok - $2"
}
[ -s border.dot ] && grep -q '^digraph' border.dot || fail "playbook graph wrote no dot file"
echo "ok - the graph is drawn"
expect 'border-incident@1' 'the playbooks are loaded'
expect 'tj_border_post' 'the actor is added'
expect 'msg="batch applied"' 'the engine applied the commands'
expect 'act      tocsin complete 1 --state report --party TJ --data JSON' 'todo gave the border post its command'
expect 'report completed by tj_border_post for border_post/TJ: done' 'the border post reported, as its actor'
expect 'national: National border authority: assessment and national measures' 'the national authority has the task now'
expect 'every chain holds' 'the audit trail verifies'
expect 'engines: 1 alive' 'status sees the engine alive'
expect 'usage: tocsin' 'tocsin --help answers'

# The example action program the README's engine runs for border-incident.
echo '{"crisis": {}, "state": "alert_services", "attempt": 1, "key": "1/alert_services/1"}' \
  | env -i PATH=/usr/bin:/bin TOCSIN_CRISIS=1 TOCSIN_ACTION_KEY=1/alert_services/1 TOCSIN_MODE=exercise \
      workflows/actions/notify-border-services --level interstate 2>/dev/null \
  | grep -q '"level": "interstate".*"key": "1/alert_services/1"' \
  || fail "workflows/actions/notify-border-services does not answer with its JSON object"
echo "ok - the example action program answers"
