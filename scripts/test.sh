#!/usr/bin/env bash
# Runs every check: install the live test servers and Chromium (idempotent), lint, typecheck (the
# console too), then all tests, the console's browser tests (vitest.console.config.ts) last. With
# arguments, only the non-browser tests run, with those arguments (e.g. file filters).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true
bash scripts/install-servers.sh
npx biome check .
npm run typecheck
npx vitest run "$@"
if [ $# -eq 0 ]; then
  npx vitest run --config vitest.console.config.ts
fi
