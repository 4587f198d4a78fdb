#!/usr/bin/env bash
# Builds the web console (console/: TypeScript, React, Vite; package-lock.json pinned) into
# webconsole/dist, which the binary embeds. Run by scripts/setup.sh and make build; does
# nothing when the build is up to date. Without npm the binary still builds, and its console
# page says to run scripts/setup.sh. `build-console.sh codegen` regenerates the typed GraphQL
# operations (console/src/gql) from schemas/graphql (make generate).
set -euo pipefail
cd "$(dirname "$0")/../console"
if ! command -v npm >/dev/null 2>&1; then
  echo "console: npm not found, not built (scripts/setup.sh installs it)" >&2
  [ "${1:-}" = codegen ] && exit 1
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
if [ "${1:-}" = codegen ]; then
  npm run --silent codegen >/dev/null
  exit 0
fi
out=../webconsole/dist/index.html
if [ ! -f "$out" ] || [ -n "$(find src index.html vite.config.ts tsconfig*.json node_modules/.package-lock.json ../schemas/graphql -newer "$out" -print -quit)" ]; then
  npm run --silent build >/dev/null
  echo "console: built into webconsole/dist"
fi
