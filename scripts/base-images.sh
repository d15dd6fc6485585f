#!/usr/bin/env bash
# Builds the local base images Berth maps public base names to, since no registry can be pulled from here:
#   berth/busybox:latest   FROM scratch + Debian's static busybox (with applet links: /bin/sh, httpd, nc, ...)
#   berth/debian:bookworm  debootstrap --variant=minbase bookworm, imported with 'docker import'
#   berth/python:3.11      berth/debian:bookworm + python3, pip, venv, ca-certificates
# and writes the mapping file $BERTH_HOME/base-images.properties (default ~/.berth).
# Idempotent: images that already exist are kept; the debootstrap tarball is cached in $BERTH_HOME/cache.
#
# Usage: scripts/base-images.sh [--busybox-only] [--force]
set -euo pipefail

BERTH_HOME="${BERTH_HOME:-$HOME/.berth}"
CACHE="$BERTH_HOME/cache"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BUSYBOX_IMAGE=berth/busybox:latest
DEBIAN_IMAGE=berth/debian:bookworm
PYTHON_IMAGE=berth/python:3.11
busybox_only=0
force=0
export DOCKER_BUILDKIT=0

for arg in "$@"; do
  case "$arg" in
    --busybox-only) busybox_only=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "base-images: unknown argument '$arg'; use --busybox-only, --force or --help" >&2; exit 2 ;;
  esac
done

log() { echo "base-images: $*" >&2; }

have_image() { [ "$force" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }

ensure_tool() { # command, Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -x "/usr/sbin/$1" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "'$1' is missing; install it with: sudo apt-get install -y $2"; exit 1
  fi
  log "installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

if ! docker info >/dev/null 2>&1; then
  log "cannot reach the Docker engine (DOCKER_HOST=${DOCKER_HOST:-unset}); start dockerd or set DOCKER_HOST"; exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build_busybox() {
  if have_image "$BUSYBOX_IMAGE"; then log "$BUSYBOX_IMAGE exists, skipping"; return; fi
  # The image has no libc, so it needs the static build (package busybox-static, not busybox).
  if ! dpkg -s busybox-static >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { log "busybox-static is missing; install it with: sudo apt-get install -y busybox-static"; exit 1; }
    log "installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null; }
  fi
  local bin=/bin/busybox
  log "building $BUSYBOX_IMAGE from scratch + $bin"
  mkdir -p "$work/busybox"
  cp "$bin" "$work/busybox/busybox"
  cat > "$work/busybox/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/sbin", "/usr/bin", "/usr/sbin", "/tmp", "/etc", "/root", "/var/www"]
RUN ["/bin/busybox", "--install", "-s"]
RUN chmod 1777 /tmp \
 && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd \
 && echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd \
 && echo 'root:x:0:' > /etc/group && echo 'nogroup:x:65534:' >> /etc/group
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/sh"]
DOCKERFILE
  docker build -q -t "$BUSYBOX_IMAGE" "$work/busybox" >/dev/null
  log "built $BUSYBOX_IMAGE"
}

build_debian() {
  if have_image "$DEBIAN_IMAGE"; then log "$DEBIAN_IMAGE exists, skipping"; return; fi
  local tarball="$CACHE/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ] || [ "$force" = 1 ]; then
    ensure_tool debootstrap debootstrap
    if [ "$(id -u)" != 0 ]; then log "debootstrap needs root; run this script as root"; exit 1; fi
    mkdir -p "$CACHE"
    log "debootstrap --variant=minbase bookworm from $MIRROR (a few minutes; cached in $tarball)"
    local root="$work/rootfs"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" > "$work/debootstrap.log" 2>&1 || {
      tail -n 30 "$work/debootstrap.log" >&2; log "debootstrap failed; see above"; exit 1; }
    # Keep the image small and reproducible: no apt lists or package cache.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/* "$root"/var/log/*
    echo "deb $MIRROR bookworm main" > "$root/etc/apt/sources.list"
    tar -C "$root" --numeric-owner -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
  else
    log "using cached $tarball"
  fi
  log "importing $DEBIAN_IMAGE"
  docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/bash"]' \
    "$tarball" "$DEBIAN_IMAGE" >/dev/null
}

build_python() {
  if have_image "$PYTHON_IMAGE"; then log "$PYTHON_IMAGE exists, skipping"; return; fi
  log "building $PYTHON_IMAGE on $DEBIAN_IMAGE (apt-get install python3 python3-pip python3-venv)"
  mkdir -p "$work/python/extra-ca"
  # Behind a TLS-inspecting proxy, pip inside pods must trust what the host trusts: the host's extra CA
  # certificates (those added under /usr/local/share/ca-certificates) go into the image's trust store too.
  cp /usr/local/share/ca-certificates/*.crt "$work/python/extra-ca/" 2>/dev/null || true
  cat > "$work/python/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PIP_BREAK_SYSTEM_PACKAGES=1
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 python3-pip python3-venv ca-certificates \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/* \\
 && ln -sf /usr/bin/python3 /usr/local/bin/python \\
 && ln -sf /usr/bin/pip3 /usr/local/bin/pip
CMD ["python3"]
DOCKERFILE
  docker build -q -t "$PYTHON_IMAGE" "$work/python" >/dev/null
  log "built $PYTHON_IMAGE"
}

write_mapping() {
  local file="$BERTH_HOME/base-images.properties"
  mkdir -p "$BERTH_HOME"
  {
    echo "# Public base image name = local image (written by scripts/base-images.sh)"
    echo "busybox=$BUSYBOX_IMAGE"
    echo "busybox\\:latest=$BUSYBOX_IMAGE"
    if docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
      for v in 3.10 3.11 3.12 3.13; do
        echo "python\\:$v-slim=$PYTHON_IMAGE"
        echo "python\\:$v=$PYTHON_IMAGE"
      done
      echo "python\\:3=$PYTHON_IMAGE"
      echo "python\\:3-slim=$PYTHON_IMAGE"
    fi
    if docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
      for t in bookworm bookworm-slim 12 12-slim; do echo "debian\\:$t=$DEBIAN_IMAGE"; done
    fi
  } > "$file.part"
  mv "$file.part" "$file"
  log "wrote $file"
}

build_busybox
if [ "$busybox_only" = 0 ]; then
  build_debian
  build_python
fi
write_mapping
