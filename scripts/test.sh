#!/usr/bin/env bash
# README command 2: set everything up, then run the whole test suite: unit,
# golden, schema, plugin, fuzz and end-to-end (real VMs under TCG), plus the
# unit and fuzz tiers again under ASan/UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${KTSTR_BUILD_DIR:-build}

echo "test: unit, golden, schema, plugin, fuzz and format tiers"
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 600 -LE e2e

# VMs one at a time: each has 2+ vCPUs on a 2-core machine, and timing-based
# guest checks (RCU, sched_ext watchdog) are calibrated for that.
echo "test: end-to-end tier (real VMs under TCG)"
ctest --test-dir "$BUILD" --output-on-failure -j1 --timeout 600 -L e2e

echo "test: unit and fuzz tiers under ASan/UBSan"
cmake -S . -B build-asan -G Ninja -DKTSTR_SANITIZE=ON -DKTSTR_WERROR=ON >/dev/null
ninja -C build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure -j2 -L 'unit|fuzz' --timeout 600
