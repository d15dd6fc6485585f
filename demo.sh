#!/usr/bin/env bash
# Launches a demo pod (a small Python web app) on the embedded local platform and prints its HTTPS URL.
# On a fresh Debian machine as root it installs and starts what it needs: a JDK check, Docker (docker.io +
# dockerd), the local base images (no registry is reachable), the berth command.
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
. "$root/scripts/lib.sh"

say "checking for a JDK >= 21"
pick_java
say "checking for a Docker engine"
ensure_docker
say "building local base images where missing (first time: a few minutes)"
"$root/scripts/base-images.sh"
say "launching the demo pod (examples/hello: Dockerfile + app.py)"
"$root/bin/berth" run --dockerfile "$root/examples/hello/Dockerfile" --entrypoint "python3 /app/app.py" \
  --port 8000 --env GREETING="Hello from Berth" --keep-warm-seconds 600
say "open the URL above in a browser after trusting the CA ($("$root/bin/berth" ca)), or: curl --cacert \$(bin/berth ca) <URL>"
