#!/usr/bin/env bash
# Build and run tocsin's image without a Docker engine or a registry: podman
# (runc runtime, host network) on Debian base images made locally with
# debootstrap from the Debian archive alone, tagged with their usual names so
# docker/Dockerfile stays standard. For air-gapped crisis centres, and for
# the project's own image test.
#
#   docker/image.sh build               build the image "tocsin" (makes the base images once)
#   docker/image.sh run ARGS...         podman run --rm ARGS... (e.g. -e TOCSIN_DB=... tocsin migrate)
#   docker/image.sh save FILE.tar       export the image, to carry it to a machine without network
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RT=(--runtime runc)
LIMITS=(--ulimit nofile=10000:10000 --ulimit nproc=4096:4096)

need() {
  local missing=()
  for p in podman runc debootstrap; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then echo "image.sh: run as root, or: apt-get install -y ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

base_images() {
  podman "${RT[@]}" image exists docker.io/library/debian:bookworm && return 0
  local root
  root=$(mktemp -d /tmp/tocsin-bookworm.XXXXXX)
  echo "image.sh: making debian:bookworm with debootstrap (about a minute)" >&2
  debootstrap --variant=minbase bookworm "$root/fs" >"$root/log" 2>&1 || { tail -5 "$root/log" >&2; exit 1; }
  tar -C "$root/fs" -c . | podman "${RT[@]}" import --change 'CMD ["bash"]' - docker.io/library/debian:bookworm >/dev/null
  podman "${RT[@]}" tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
  rm -rf "$root"
}

case "${1:-}" in
  build)
    need
    base_images
    podman "${RT[@]}" build --pull=never "${LIMITS[@]}" --network host -f docker/Dockerfile -t tocsin . ;;
  run)
    shift
    need
    exec podman "${RT[@]}" run --rm "${LIMITS[@]}" --network host "$@" ;;
  save)
    need
    exec podman "${RT[@]}" save -o "$2" tocsin ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
