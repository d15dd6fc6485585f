#!/usr/bin/env bash
# Makes a rootful Podman serve its Docker-compatible API for the Podman ITs (PodmanRuntimeIT, PodmanImageBuilderIT):
#   1. installs podman and catatonit (Podman's --init) if missing: Debian, as root;
#   2. writes its own containers.conf ($BERTH_PODMAN_DIR/containers.conf, passed as CONTAINERS_CONF; the global
#      /etc/containers config is left alone): runtime runc (crun refuses a hybrid cgroup v1/v2 layout), cgroupfs
#      and a file events log (no systemd needed), explicit nofile/nproc ulimits;
#   3. starts 'podman system service --time=0' on $BERTH_PODMAN_DIR/podman.sock unless one answers there already
#      (log: $BERTH_PODMAN_DIR/service.log, pid: $BERTH_PODMAN_DIR/service.pid);
#   4. loads berth/busybox:latest and berth/python:3.11 into Podman's image store from dockerd (no registry is
#      reachable; build them there first with scripts/base-images.sh).
# Idempotent; a second run takes about a second. Stop the service with: kill "$(cat /run/berth-podman/service.pid)"
#
# Usage: scripts/podman.sh [--busybox-only]
set -euo pipefail

BERTH_PODMAN_DIR="${BERTH_PODMAN_DIR:-/run/berth-podman}"
SOCKET="$BERTH_PODMAN_DIR/podman.sock"
CONF="$BERTH_PODMAN_DIR/containers.conf"
IMAGES=(berth/busybox:latest berth/python:3.11)

for arg in "$@"; do
  case "$arg" in
    --busybox-only) IMAGES=(berth/busybox:latest) ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "podman: unknown argument '$arg'; use --busybox-only or --help" >&2; exit 2 ;;
  esac
done

log() { echo "podman: $*" >&2; }
fail() { log "$*"; exit 1; }
api() { curl -sf --max-time 10 --unix-socket "$SOCKET" "$@"; }
answers() { [ -S "$SOCKET" ] && [ "$(api http://d/_ping 2>/dev/null)" = OK ]; }

if ! answers; then
  [ "$(id -u)" = 0 ] || fail "no Podman answers at unix://$SOCKET and only root can start it; run: sudo $0"
  missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  [ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
  command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
  if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || fail "${missing[*]} missing and this is not Debian; install them with your package manager"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
  mkdir -p "$BERTH_PODMAN_DIR"
  cat > "$CONF" <<'CONF'
# Written by scripts/podman.sh for Berth's Podman ITs; the service reads it through CONTAINERS_CONF.
[containers]
# Podman otherwise asks for nproc 1048576, above this machine's hard limit ("error setting rlimits").
default_ulimits = ["nofile=8192:8192", "nproc=4096:4096"]
[engine]
# crun refuses the hybrid cgroup layout (v1 controllers + unified) of this kind of machine; runc handles it.
runtime = "runc"
# No systemd needed: cgroups through cgroupfs, events to a file (the events API reads them back).
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  rm -f "$SOCKET"
  log "starting podman system service on unix://$SOCKET (log: $BERTH_PODMAN_DIR/service.log)"
  (cd "$BERTH_PODMAN_DIR"; CONTAINERS_CONF="$CONF" setsid podman system service --time=0 "unix://$SOCKET" \
    >"$BERTH_PODMAN_DIR/service.log" 2>&1 < /dev/null & echo $! > "$BERTH_PODMAN_DIR/service.pid")
  for _ in $(seq 1 60); do
    answers && break
    sleep 0.5
  done
  answers || fail "podman system service did not answer within 30 s; see $BERTH_PODMAN_DIR/service.log"
fi
runtime="$(api http://d/info | python3 -c 'import json,sys; print(json.load(sys.stdin).get("DefaultRuntime",""))' 2>/dev/null || true)"
log "Podman answers at unix://$SOCKET (runtime: ${runtime:-unknown})"

for image in "${IMAGES[@]}"; do
  if api "http://d/images/$image/json" >/dev/null 2>&1; then
    continue
  fi
  docker image inspect "$image" >/dev/null 2>&1 \
    || fail "Docker has no $image to copy into Podman; build it first with scripts/base-images.sh"
  log "loading $image into Podman (docker save | POST /images/load)"
  docker save "$image" | curl -sf --max-time 600 --unix-socket "$SOCKET" -X POST -H "Content-Type: application/x-tar" -T - \
    http://d/images/load >/dev/null \
    || fail "loading $image into Podman failed; see $BERTH_PODMAN_DIR/service.log"
  api "http://d/images/$image/json" >/dev/null || fail "Podman does not list $image after loading it"
done
log "ready: BERTH_PODMAN_SOCKET=unix://$SOCKET"
