#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, idempotently: packages, the
# build, and the kernels (Debian's prebuilt one, and our sched_ext build).
# Reuses what is cached: a second run takes seconds.
#   KTSTR_BUILD_DIR         build directory (default: build)
#   KTSTR_SKIP_KERNEL_BUILD=1  do not build the sched_ext kernel (6-15 min once, see docs/building.md)
#   KTSTR_CMAKE_ARGS        extra configure arguments for the build directory
#                           (scripts/test.sh: -DKTSTR_BUILD_UNIT_TESTS=OFF)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${KTSTR_BUILD_DIR:-build}

bash scripts/install-deps.sh

echo "setup: building in $BUILD"
# shellcheck disable=SC2086 # KTSTR_CMAKE_ARGS is a list of arguments
cmake -S . -B "$BUILD" -G Ninja -DKTSTR_WERROR=ON ${KTSTR_CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD" -j"$(nproc)"

KTSTR="$BUILD/runner/ktstr-run"
echo "setup: prebuilt kernel (Debian linux-image-6.12-cloud-amd64)"
"$KTSTR" kernel fetch
if [[ "${KTSTR_SKIP_KERNEL_BUILD:-0}" != 1 ]]; then
  echo "setup: sched_ext kernel from linux-source-6.12 (cached after the first build)"
  "$KTSTR" kernel build
  echo "setup: our example sched_ext scheduler (examples/schedulers/scx_llc_fifo)"
  bash scripts/build-example-scheduler.sh "" "$BUILD/examples/sched"
fi
"$KTSTR" kernel list
