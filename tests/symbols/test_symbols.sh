#!/bin/sh
# The shipped libraries define no external name but tc_ (public) and tc__
# (shared by the files of one room of the core; docs/style.md, "Names"). A
# program that links libtocsin, or another library, must not meet a stray
# `audit`, `enter` or `problem` of ours: the linker would take one for the
# other, or refuse both.
#
#   test_symbols.sh NM LIBRARY...
set -eu
nm=$1
shift

# nm -A: "library:object:address type name"; an upper-case type is external.
symbols=$("$nm" -A -g --defined-only "$@" |
    awk 'NF == 3 && $2 ~ /^[A-Z]$/ { sub(/:[0-9a-fA-F]+$/, "", $1); print $1, $3 }')
if ! printf '%s\n' "$symbols" | grep -q ' tc_'; then
    echo "no tc_ symbol found in $*: is nm reading these libraries?" >&2
    exit 1
fi

# AddressSanitizer adds an __odr_asan.NAME (gcc; clang: __odr_asan_gen_NAME)
# beside each global variable NAME: the compiler's name, not ours.
stray=$(printf '%s\n' "$symbols" | awk '$2 !~ /^tc_/ && $2 !~ /^__odr_asan/')
if [ -n "$stray" ]; then
    echo "external symbols without the tc_ or tc__ prefix (make them static, or name them tc__):" >&2
    printf '%s\n' "$stray" >&2
    exit 1
fi
echo "every external symbol of $# libraries starts with tc_"
