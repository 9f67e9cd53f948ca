#!/usr/bin/env bash
# jq, from Debian's packages: not a server, but the README's and docs' examples use it, and their
# tests (test/readme.test.ts, test/docs/) run those examples as written.
set -euo pipefail
command -v jq >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "jq: not installed; run as root or: sudo apt-get install -y jq" >&2
  exit 1
fi
echo "jq: installing the Debian package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq jq >/dev/null
command -v jq >/dev/null || { echo "jq: installed, but not on PATH" >&2; exit 1; }
