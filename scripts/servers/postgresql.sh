#!/usr/bin/env bash
# PostgreSQL server binaries (initdb, postgres) from Debian's packages. The tests start their own
# throwaway cluster in a temporary folder (test/servers/postgresql.ts); the package's own cluster is
# not created. Nothing goes into .cache: the binaries stay under /usr/lib/postgresql/<major>/bin.
set -euo pipefail
have_server() {
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ] && return 0
  done
  return 1
}
have_server && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "postgresql: not installed; run as root or: sudo apt-get install -y postgresql" >&2
  exit 1
fi
echo "postgresql: installing the Debian package" >&2
# No default cluster on port 5432: the tests make their own.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  mkdir -p /etc/postgresql-common
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
have_server || { echo "postgresql: installed, but no initdb/postgres under /usr/lib/postgresql/*/bin" >&2; exit 1; }
