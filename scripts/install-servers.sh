#!/usr/bin/env bash
# Installs the live servers that the tests and local mode run against into .cache/servers.
# Each scripts/servers/NAME.sh installs one server, idempotently, from a package registry.
#   bash scripts/install-servers.sh                  # all of them
#   bash scripts/install-servers.sh dynamodb-local   # only the ones named
set -euo pipefail
cd "$(dirname "$0")/.."
export SERVERS_CACHE="$PWD/.cache/servers"
mkdir -p "$SERVERS_CACHE"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for script in scripts/servers/*.sh; do names+=("$(basename "$script" .sh)"); done
fi
for name in "${names[@]}"; do
  [ -f "scripts/servers/$name.sh" ] || { echo "install-servers: no installer named '$name'" >&2; exit 1; }
  bash "scripts/servers/$name.sh"
done
