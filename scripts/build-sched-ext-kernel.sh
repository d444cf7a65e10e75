#!/bin/sh
# Bootstrap build of the ktstr sched_ext kernel in a prepared source tree.
#
# `ktstr-run kernel build` does the same steps itself (and installs the cache
# entry); this script exists to warm a tree by hand and to show the recipe:
#   build-sched-ext-kernel.sh SRC_TREE FRAGMENT [JOBS]
# It configures (allnoconfig + FRAGMENT + olddefconfig), checks that every
# option of FRAGMENT survived, builds bzImage, then tools/sched_ext.
set -eu
src=$1
frag=$(realpath "$2")
jobs=${3:-3}
cd "$src"
stamp() { echo "=== $(date +%s) $*"; }
stamp config-start
make -s allnoconfig
scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s olddefconfig
missing=0
grep -E '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$' "$frag" | while IFS= read -r line; do
  if ! grep -qxF "$line" .config; then
    case $line in "# CONFIG_"*) ;; *) echo "missing after olddefconfig: $line" ;; esac
  fi
done
stamp kernel-start
make -j"$jobs" bzImage
stamp kernel-done
make -C tools/sched_ext CLANG=clang-16 LLVM_STRIP=llvm-strip-16 -j"$jobs"
stamp sched-done
