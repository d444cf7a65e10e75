#!/usr/bin/env bash
# Benchmark: `ktstr-run reeval` over N stored synthetic test records (default
# 100), with PATH holding no qemu and an empty kernel cache (reeval boots
# nothing). Prints the median wall time of 5 runs against the 1 s goal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../../build}
KTSTR=${1:-$build/runner/ktstr-run}
N=${2:-100}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/bench/reeval/reeval_make_records" "$dir" "$N"
mkdir -p "$dir/empty-bin" "$dir/empty-cache"
reeval() {
  env PATH="$dir/empty-bin" KTSTR_CACHE_DIR="$dir/empty-cache" \
    "$KTSTR" reeval "$dir/run" "$dir/specs" >"$dir/out.txt" 2>&1 || [ $? -eq 1 ]
}
reeval  # warm the page cache; exit 0 or 1 (some tests fail), never 2 or 3
times=()
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); reeval; e=$(date +%s.%N)
  times+=("$(echo "$e - $s" | bc -l)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
printf 'reeval: %d stored tests, runs: %s\n' "$N" "${times[*]}"
printf 'reeval: median %.3f s (goal: under 1 s), %.2f ms per test; %s\n' "$median" \
  "$(echo "$median * 1000 / $N" | bc -l)" "$(tail -1 "$dir/out.txt")"
