# Shared by demo.sh, test.sh, bin/berth and .ci/run: pick a JDK, make sure a Docker engine answers.
# Source it; every function says what it does on stderr.

say() { echo "==> $*" >&2; }

# Exports JAVA_HOME to a JDK >= 21 (JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm).
pick_java() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "error: Berth needs a JDK 21 or newer; install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME" >&2
  return 1
}

# Makes sure a Docker engine answers: as root on Debian, installs docker.io and starts dockerd if needed.
ensure_docker() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then
    echo "error: no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start it or unset DOCKER_HOST" >&2
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "error: no Docker engine answers; start one (sudo systemctl start docker, or dockerd) or set DOCKER_HOST (Podman: unix:///run/user/$(id -u)/podman/podman.sock)" >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing Docker (Debian's docker.io)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null 2>&1 || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; }
  fi
  say "starting dockerd (log: /var/log/berth-dockerd.log)"
  (setsid dockerd >/var/log/berth-dockerd.log 2>&1 &)
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "error: dockerd did not answer within 60 s; see /var/log/berth-dockerd.log" >&2
  return 1
}

# The berth command's jar, built if missing or older than the sources.
berth_jar() {
  local root="$1" jar="$1/local/target/berth.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$root/core/src/main" "$root/local/src/main" "$root/pom.xml" "$root/core/pom.xml" "$root/local/pom.xml" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; then
    say "building the berth command (./mvnw package, first time takes a minute)"
    (cd "$root" && ./mvnw -q -B -pl local -am package -DskipTests >&2) || return 1
  fi
  echo "$jar"
}

# Makes sure Debian's headless Chromium is there (the template tests render pages in it): as root, installs it.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "error: the template tests need Debian's chromium; install it (sudo apt-get install -y chromium)" >&2
    return 1
  fi
  say "installing Chromium (Debian's chromium, for the template tests)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
}
