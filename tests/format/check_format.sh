#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted (.clang-format, Google base).
set -u
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/install-deps.sh installs it)"; exit 1; }
bad=0
for f in $(git ls-files '*.cc' '*.h'); do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done
exit $bad
