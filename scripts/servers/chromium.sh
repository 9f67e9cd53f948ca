#!/usr/bin/env bash
# Chromium from Debian's packages, for the console's browser tests (test/console/), which drive it
# with playwright-core at /usr/bin/chromium: no browser is downloaded by npm. Nothing goes into .cache.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: not installed; run as root or: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "chromium: installing the Debian package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium: installed, but /usr/bin/chromium is missing" >&2; exit 1; }
