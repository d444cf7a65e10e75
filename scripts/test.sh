#!/usr/bin/env bash
# README command 2: set everything up, then run the whole test suite: golden,
# schema, plugin, install, fuzz and format tiers, end-to-end (real VMs under
# TCG), then the unit tests and the fuzzers under ASan/UBSan.
#
# A cold build is most of CI's time (docs/building.md), so each test source
# is compiled once: build/ (RelWithDebInfo, -g1) holds what the VMs and the
# tiers run, without the unit tests; build-asan/ (Debug, -O0, ASan+UBSan)
# holds the unit tests, which run there only. The libraries are in both. Every phase prints its start
# time, so a slow CI run shows where the time went.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${KTSTR_BUILD_DIR:-build}
ASAN_BUILD=${KTSTR_ASAN_BUILD_DIR:-build-asan}
phase() { echo "test: [$SECONDS s] $*"; }

phase "setup"
KTSTR_CMAKE_ARGS="-DKTSTR_BUILD_UNIT_TESTS=OFF ${KTSTR_CMAKE_ARGS:-}" bash scripts/setup.sh

phase "golden, schema, plugin, install, fuzz, format and report tiers"
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 600 -LE 'e2e|unit'

# VMs one at a time: each has 2+ vCPUs on a 2-core machine, and timing-based
# guest checks (RCU, sched_ext watchdog) are calibrated for that.
phase "end-to-end tier (real VMs under TCG)"
ctest --test-dir "$BUILD" --output-on-failure -j1 --timeout 600 -L e2e

# The unit tests of every library (spec layer, plugin loader, run pipeline,
# guest agent, vmm, evaluation, plan, reporters, executor, run store) and the
# fuzzers, under ASan/UBSan. -O0: at -O2 the sanitizers make a cold build ~6x slower.
phase "build under ASan/UBSan ($ASAN_BUILD)"
cmake -S . -B "$ASAN_BUILD" -G Ninja -DKTSTR_SANITIZE=ON -DKTSTR_WERROR=ON \
  -DCMAKE_BUILD_TYPE=Debug -DKTSTR_BUILD_UNIT_TESTS=ON -DKTSTR_UNITY_UNIT_TESTS=ON >/dev/null
targets=$(ninja -C "$ASAN_BUILD" -t targets all |
  grep -oE '^(ktstr_test_[a-z_]+|ktstr_basic|ktstr-run|ktstr-agent|ktstr_[a-z]+_test|ktstr_spec_mutation_test|ktstr_protocol_fuzz|ktstr_guest_text_fuzz):' |
  tr -d ':' | sort -u)
# shellcheck disable=SC2086 # one target per word
ninja -C "$ASAN_BUILD" -j"$(nproc)" $targets

phase "unit tests under ASan/UBSan"
ctest --test-dir "$ASAN_BUILD" --output-on-failure -j2 --timeout 600 -L unit

phase "fuzzers under ASan/UBSan"
"$ASAN_BUILD"/tests/fuzz/ktstr_spec_mutation_test --iterations 5000 --seed 1
"$ASAN_BUILD"/tests/fuzz/ktstr_protocol_fuzz --iterations 50000 --seed 1  # 200000 in the fuzz tier at -O2
"$ASAN_BUILD"/tests/fuzz/ktstr_guest_text_fuzz --iterations 5000 --seed 1
phase "all tiers passed"
