#!/usr/bin/env bash
# Builds the GraphQL playground's files (GraphiQL and React from npm, package-lock.json pinned)
# into graphql/playground/assets, which the binary embeds. Run by scripts/setup.sh and make
# build; does nothing when they are up to date. Without npm the binary still builds, and its
# playground page says to run scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/../graphql/playground"
if ! command -v npm >/dev/null 2>&1; then
  echo "playground: npm not found, not built (scripts/setup.sh installs it)" >&2
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
if [ ! -f assets/graphiql.min.js ] || [ -n "$(find build.mjs node_modules/.package-lock.json -newer assets/graphiql.min.js)" ]; then
  npm run --silent build
fi
