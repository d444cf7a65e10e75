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

# The unit tests of the runner (spec layer, plugin loader, run pipeline), the
# guest agent (lifecycle, /dev/mem access, scenarios) and the vmm (kernels,
# initramfs, QEMU supervision), evaluation, and the fuzzers, again under ASan/UBSan.
echo "test: unit tests and fuzzers under ASan/UBSan"
cmake -S . -B build-asan -G Ninja -DKTSTR_SANITIZE=ON -DKTSTR_WERROR=ON >/dev/null
targets=$(ninja -C build-asan -t targets all |
  grep -oE '^(ktstr_test_[a-z_]+|ktstr_basic|ktstr-run|ktstr_runner_test|ktstr-agent|ktstr_guest_test|ktstr_vmm_test|ktstr_eval_test|ktstr_plan_test|ktstr_report_test|ktstr_exec_test|ktstr_store_test|ktstr_spec_mutation_test|ktstr_protocol_fuzz|ktstr_guest_text_fuzz):' |
  tr -d ':' | sort -u)
ninja -C build-asan -j"$(nproc)" $targets
build-asan/tests/ktstr_runner_test --gtest_brief=1
build-asan/tests/ktstr_guest_test --gtest_brief=1
build-asan/tests/ktstr_vmm_test --gtest_brief=1
build-asan/tests/ktstr_eval_test --gtest_brief=1
for lib in plan report exec store; do build-asan/tests/ktstr_${lib}_test --gtest_brief=1; done
build-asan/tests/fuzz/ktstr_spec_mutation_test --iterations 5000 --seed 1
build-asan/tests/fuzz/ktstr_protocol_fuzz --iterations 200000 --seed 1
build-asan/tests/fuzz/ktstr_guest_text_fuzz --iterations 5000 --seed 1
echo "test: all tiers passed"
