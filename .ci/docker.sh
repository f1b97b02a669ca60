#!/usr/bin/env bash
# Provisions a Docker engine for the DockerExecutor tests on a fresh Debian
# machine: installs docker.io if missing, starts dockerd if no engine answers,
# waits for it (bounded), then builds the local Deno image (no registry needed).
# Never fails the CI run: without an engine the Docker tests skip and say why.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ci/docker: installing docker.io"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io; } >/dev/null 2>&1 ||
      echo "ci/docker: cannot install docker.io"
  else
    echo "ci/docker: docker is not installed and this user cannot install it"
  fi
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null 2>&1; then
    log="${TMPDIR:-/tmp}/smoldeno-dockerd.log"
    echo "ci/docker: starting dockerd (log: $log)"
    nohup dockerd >"$log" 2>&1 &
    echo "ci/docker: dockerd pid $!"
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi

if docker info >/dev/null 2>&1; then
  echo "ci/docker: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
  deno task docker:image || echo "ci/docker: building the local image failed"
else
  echo "ci/docker: no Docker engine reachable; the Docker tests will skip"
fi
exit 0
