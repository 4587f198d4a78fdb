#!/usr/bin/env bash
# Fetches libchdb.so (ClickHouse as a library) from the npm package @chdb/lib-linux-x64-gnu
# into .engines/chdb, once. The binary finds it there (store/clickhouse/chdblib) or through
# CHDB_LIB_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${MERIDIAN_CHDB_VERSION:-26.5.3}"
dest=".engines/chdb"
if [ -f "$dest/libchdb.so" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null 2>&1)
tar -xzf "$tmp"/chdb-lib-linux-x64-gnu-*.tgz -C "$tmp"
mv "$tmp/package/libchdb.so" "$dest/libchdb.so"
[ -f "$tmp/package/chdb.h" ] && cp "$tmp/package/chdb.h" "$dest/" || true
echo "$version" > "$dest/VERSION"
echo "chdb $version -> $dest/libchdb.so"
