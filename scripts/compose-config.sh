#!/usr/bin/env bash
# Validates docker-compose.yml with `docker compose config`, the check Docker users' tooling runs.
# Machines without the Docker Compose plugin (like our CI-class VMs, which have no Docker engine)
# build the same Compose release from its Go module once, into .cache/compose, and run that.
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE_VERSION=v2.40.3
BIN=.cache/compose/docker-compose-$COMPOSE_VERSION

if docker compose version >/dev/null 2>&1; then
  exec docker compose -f docker-compose.yml config --quiet
fi
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "compose-config: needs the Docker Compose plugin or Go to build it" >&2; exit 1; }
  echo "compose-config: building docker compose $COMPOSE_VERSION from source (once, several minutes)" >&2
  dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  # NOTE: compose's go.mod has exclude directives, so `go install pkg@version` refuses it: build in a copy.
  work=$(mktemp -d)
  cp -r "$dir/." "$work" && chmod -R u+w "$work"
  mkdir -p .cache/compose
  (cd "$work" && go build -o "$OLDPWD/$BIN" ./cmd)
  rm -rf "$work"
fi
"$BIN" -f docker-compose.yml config --quiet
echo "compose-config: docker-compose.yml accepted by docker compose $COMPOSE_VERSION"
