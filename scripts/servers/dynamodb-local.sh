#!/usr/bin/env bash
# DynamoDB Local, AWS's own emulator, shipped inside the npm package amplify-dynamodb-simulator.
# Only its emulator/ folder is kept; the package's own dependencies are not needed. Runs on Java 17.
set -euo pipefail
VERSION=2.9.30
dir="$SERVERS_CACHE/dynamodb-local-$VERSION"
[ -f "$dir/DynamoDBLocal.jar" ] && exit 0
command -v java >/dev/null || { echo "dynamodb-local: needs Java 17 (apt-get install -y openjdk-17-jre-headless)" >&2; exit 1; }
echo "dynamodb-local: fetching amplify-dynamodb-simulator@$VERSION" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "amplify-dynamodb-simulator@$VERSION" >/dev/null)
tar -xzf "$tmp"/amplify-dynamodb-simulator-*.tgz -C "$tmp" package/emulator
rm -rf "$dir.partial"
mv "$tmp/package/emulator" "$dir.partial"
mv "$dir.partial" "$dir"
