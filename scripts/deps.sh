#!/usr/bin/env bash
# Install the Debian packages tocsin needs to build, test and run.
#
#   scripts/deps.sh          install what is missing (as root, or through sudo)
#   scripts/deps.sh --check  only say what is missing; exit 1 if anything is
#   TOCSIN_DEPS=build scripts/deps.sh   only what building needs (the Docker image's build stage)
#
# Without root and without sudo it prints the exact apt-get line and stops, so
# nothing is installed behind the user's back.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libuv1-dev libjansson-dev libcmocka-dev libpq-dev libcurl4-openssl-dev
  libh2o-dev libssl-dev # the board's HTTP server: h2o built on libuv (h2o.h includes OpenSSL's headers)
  libsodium-dev # Ed25519 signatures of decisions (engine/sign)
)
if [ "${TOCSIN_DEPS:-all}" != build ]; then
  # tests, the private PostgreSQL, the fuzzer; a webhook receiver and an SMTP server on loopback;
  # the zones that show --tz and todo --tz are tested with; promtool (in prometheus), which checks the
  # metrics of status --prometheus
  packages+=(git postgresql postgresql-contrib clang libclang-rt-14-dev clang-format python3 python3-aiosmtpd tzdata
             prometheus)
  # the board's browser test: Chromium driven by puppeteer-core (tests/browser, npm ci below)
  packages+=(chromium nodejs)
  # xmllint, which checks show --format cap against the CAP 1.2 schema (tests/data/cap)
  packages+=(libxml2-utils)
  # gcovr, which measures the branch coverage of engine/core (scripts/coverage.sh)
  packages+=(gcovr)
  # failover and pooling (issue 20): scripts/ha.sh's etcd and Patroni, test_pooling's PgBouncer
  packages+=(etcd-server patroni pgbouncer)
  # npm: Debian's package, unless the nodejs installed already carries it (NodeSource's does)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

# puppeteer-core for the browser test, exactly as tests/browser/package-lock.json pins it.
browser_modules() {
  [ "${TOCSIN_DEPS:-all}" = build ] && return 0
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  [ -f "$dir/package.json" ] || return 0
  [ -d "$dir/node_modules/puppeteer-core" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
  [ "${1:-}" = "--check" ] && { echo "missing: tests/browser/node_modules (npm ci)" >&2; return 1; }
  echo "installing tests/browser/node_modules (npm ci)" >&2
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  browser_modules "${1:-}"
  exit
fi

line="apt-get install -y ${missing[*]}"
if [ "${1:-}" = "--check" ]; then
  echo "missing packages: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "tocsin needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi

echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
browser_modules
