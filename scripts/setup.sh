#!/usr/bin/env bash
# Sets up everything Meridian needs on a Debian machine, idempotently: build tools, Go modules,
# chDB (libchdb.so), PostgreSQL binaries, the GraphQL playground's and the web console's npm
# builds and, with --test, the Apache Kafka jars, the Python packages the notebooks use and
# Debian's Chromium (the console's browser tests drive it with playwright-core). Engines go to .engines/
# (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
with_test=false
[ "${1:-}" = "--test" ] && with_test=true

need=()
command -v make >/dev/null 2>&1 || need+=(make)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is required (go.mod names the version); see https://go.dev/doc/install" >&2
  exit 1
fi

go mod download
bash scripts/fetch-chdb.sh
bash scripts/install-postgres.sh
bash scripts/build-playground.sh
bash scripts/build-console.sh
# No machine-wide link to the library: the binary finds this checkout's .engines/chdb itself
# (store/clickhouse/chdblib), so each checkout's binary loads its own.
if $with_test; then
  bash scripts/fetch-kafka.sh
  # notebooks/notebooks_test.go runs the notebooks with nbclient; deploy/check.sh reads YAML.
  python3 -m pip --version >/dev/null 2>&1 || apt-get install -y -q python3-pip >/dev/null
  python3 -m pip install -q -r notebooks/requirements.txt pyyaml 2>/dev/null ||
    python3 -m pip install -q --break-system-packages -r notebooks/requirements.txt pyyaml
  # The console's browser tests (make test-console): Debian's Chromium, never a downloaded one.
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
fi
