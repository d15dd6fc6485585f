#!/usr/bin/env bash
# Runs Berth's whole test suite on a fresh machine: unit tests, contract suites, and integration tests
# against a real Docker engine (and, for the AWS side, the moto emulator). Installs or starts what they
# need first: a JDK >= 21 check, Docker (docker.io + dockerd as root), the local base images, a Podman API service
# (scripts/podman.sh: podman + runc as root, its own socket), Debian's chromium (the template tests render pages
# in it) and the Python tools the AWS tests use (moto, the Docker SDK its data plane drives, cfn-lint).
#
# Usage: ./test.sh [extra Maven arguments, e.g. -pl core]
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
cd "$root"
. scripts/lib.sh

say "checking for a JDK >= 21"
pick_java
say "checking for a Docker engine"
ensure_docker
say "building local base images where missing (first time: a few minutes)"
scripts/base-images.sh
say "checking for Podman's Docker-compatible API (the Podman ITs run the Docker adapters against it)"
# Not fatal here: where Podman cannot be set up, PodmanRuntimeIT and PodmanImageBuilderIT fail saying how.
scripts/podman.sh || say "Podman is not available; the Podman ITs will fail (see the message above)"
if [ -d templates ]; then
  say "checking for headless Chromium (template tests)"
  ensure_chromium
fi
if [ -d functions ] || [ -d cdk ]; then
  say "checking the Python test tools (moto server, Docker SDK for the emulator's data plane, cfn-lint)"
  python3 -m pip install -q --disable-pip-version-check 'moto[server]==5.2.1' 'docker==7.1.0' cfn-lint 2>&1 | grep -v -i "warning" >&2 || true
  python3 -c 'import moto, docker' && command -v cfn-lint >/dev/null
fi
export DOCKER_BUILDKIT=0 TESTCONTAINERS_RYUK_DISABLED=true JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
say "running the test suite (./mvnw verify)"
exec ./mvnw -B verify "$@"
