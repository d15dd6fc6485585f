#!/usr/bin/env bash
# Runs the local platform's benchmark (issue 2) and tees its table into bench/results/latest.txt.
# Picks a JDK >= 21, makes sure a Docker engine answers and the local base images exist, builds
# bench/target/berth-bench.jar, then runs it; arguments go to the benchmark (--pods=20 --connections=16
# --seconds=10 --rounds=2 --warmup-seconds=5 --poll-ms=10 --no-python). Progress and logs go to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

pick_java
ensure_docker
export DOCKER_BUILDKIT=0
# The Python base takes a few minutes the first time (debootstrap); --no-python needs busybox only.
if printf '%s\n' "$@" | grep -qx -- '--no-python'; then
  bash "$root/scripts/base-images.sh" --busybox-only
else
  bash "$root/scripts/base-images.sh"
fi

say "building bench/target/berth-bench.jar"
(cd "$root" && ./mvnw -q -B -pl bench -am package -DskipTests >&2)

mkdir -p "$root/bench/results"
out="$root/bench/results/latest.txt"
say "running the benchmark (about 5 minutes); the table goes to $out"
export BERTH_LOG_LEVEL="${BERTH_LOG_LEVEL:-WARN}"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$root/bench/target/berth-bench.jar" "$@" | tee "$out.part"
mv "$out.part" "$out"
cp "$out" "$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
