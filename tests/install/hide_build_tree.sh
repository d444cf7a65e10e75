#!/usr/bin/env bash
# hide_build_tree.sh DIR... -- COMMAND...: runs COMMAND in a private mount
# namespace where every DIR is an empty tmpfs, so COMMAND cannot read the
# source or build tree (what a user has after installing the package).
# Exits 77 (ctest: skipped) with the reason when that needs root we lack.
set -euo pipefail
dirs=()
while [[ $# -gt 0 && "$1" != -- ]]; do dirs+=("$1"); shift; done
[[ "${1:-}" == -- ]] || { echo "usage: hide_build_tree.sh DIR... -- COMMAND..." >&2; exit 2; }
shift
if ! unshare -m true 2>/dev/null; then
  echo "SKIP: unshare -m needs root (or user namespaces): cannot hide the build tree" >&2
  exit 77
fi
# Deepest first: a build dir inside the source dir is hidden before its parent.
mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
# shellcheck disable=SC2016  # expanded by the inner bash
script='set -e; for d in "${@:2:$1}"; do mount -t tmpfs -o size=1m,mode=0755 ktstr-hidden "$d"; done; for d in "${@:2:$1}"; do [ ! -e "$d" ] || [ -z "$(ls -A "$d")" ]; done; shift $(($1 + 1)); exec "$@"'
exec unshare -m --propagation private bash -c "$script" hide "${#dirs[@]}" "${dirs[@]}" "$@"
