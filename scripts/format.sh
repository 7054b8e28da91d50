#!/usr/bin/env bash
# Format every C file of the tree with .clang-format (docs/style.md), or check
# that it is formatted.
#
#   scripts/format.sh          rewrite what differs
#   scripts/format.sh --check  list what differs and exit 1 if anything does (scripts/test.sh runs it)
#
# Debian 12's clang-format (14) is the reference: another version may break
# lines differently, so the check runs only with that major version and says
# so otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v clang-format >/dev/null || { echo "format.sh: clang-format is not installed (scripts/deps.sh)" >&2; exit 1; }
version=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
mapfile -t files < <(git ls-files '*.c' '*.h')

if [ "${1:-}" = --check ]; then
  if [ "$version" != 14 ]; then
    echo "format.sh: clang-format $version is not the reference (14); not checking" >&2
    exit 0
  fi
  differ=()
  for f in "${files[@]}"; do
    clang-format "$f" | cmp -s - "$f" || differ+=("$f")
  done
  if [ ${#differ[@]} -gt 0 ]; then
    echo "format.sh: not formatted as .clang-format says (scripts/format.sh fixes it):" >&2
    printf '  %s\n' "${differ[@]}" >&2
    exit 1
  fi
  exit 0
fi
clang-format -i "${files[@]}"
