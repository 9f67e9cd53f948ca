#!/usr/bin/env bash
# Runs every check: install the live test servers (idempotent), lint, typecheck, then all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true
bash scripts/install-servers.sh
npx biome check .
npx tsc --noEmit
npx vitest run "$@"
