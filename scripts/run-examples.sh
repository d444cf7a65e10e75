#!/usr/bin/env bash
# README command 1: set everything up, then run ktstr-run on examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
KTSTR="${KTSTR_BUILD_DIR:-build}/runner/ktstr-run"
"$KTSTR" check examples
"$KTSTR" list examples
exec "$KTSTR" run examples "$@"
