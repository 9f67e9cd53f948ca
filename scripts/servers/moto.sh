#!/usr/bin/env bash
# moto in server mode: AWS Secrets Manager, STS and KMS over HTTP on a loopback port, for the
# aws-secrets-manager adapter's tests. Installed from PyPI into its own virtualenv, so it depends on
# nothing in the machine's global site-packages. The `.installed` file marks a finished install (a
# virtualenv records its own path, so it is built in place rather than renamed from a .partial folder).
set -euo pipefail
VERSION=5.2.5
dir="$SERVERS_CACHE/moto-$VERSION"
[ -f "$dir/.installed" ] && exit 0
python=$(command -v python3 || true)
if [ -z "$python" ] || ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "moto: installing python3 and python3-venv (Debian packages)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  python=$(command -v python3)
fi
echo "moto: installing moto[server]==$VERSION into $dir" >&2
rm -rf "$dir"
trap '[ -f "$dir/.installed" ] || rm -rf "$dir"' EXIT
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$VERSION"
"$dir/bin/moto_server" --help >/dev/null || { echo "moto: moto_server does not run" >&2; exit 1; }
echo "$VERSION" >"$dir/.installed"
