#!/usr/bin/env bash
# Benchmark: `ktstr-run check` over N generated realistic spec files (default
# 1000). Prints the median wall time of 5 runs and the per-file cost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KTSTR=${1:-$here/../../build/runner/ktstr-run}
N=${2:-1000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$here/gen_specs.py" "$dir/specs" "$N"
"$KTSTR" check "$dir/specs" >/dev/null   # warm the page cache; must be valid
times=()
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); "$KTSTR" check "$dir/specs" >/dev/null; e=$(date +%s.%N)
  times+=("$(echo "$e - $s" | bc -l)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
printf 'spec_check: %d files, runs: %s\n' "$N" "${times[*]}"
printf 'spec_check: median %.3f s, %.1f us per file\n' "$median" "$(echo "$median * 1000000 / $N" | bc -l)"
