#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages, once. Meridian never uses the cluster the package
# sets up: store/postgres/pglocal runs its own cluster from the binaries under
# /usr/lib/postgresql/<version>/bin (initdb, postgres), so this only has to put them there.
set -euo pipefail
have_initdb() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
if have_initdb; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-postgres: run as root (apt-get install postgresql)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
have_initdb || { echo "install-postgres: initdb still not found under /usr/lib/postgresql/*/bin" >&2; exit 1; }
echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
