#!/usr/bin/env bash
# install_tree_test.sh BUILD_DIR SOURCE_DIR: installs the build with DESTDIR to
# a throwaway prefix, checks the tree's files, that no binary holds a path of
# the source or build tree, and runs the installed ktstr-run (--version, check
# and list of the installed examples, plugins) with both trees hidden.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/ktstr-install-tree.XXXXXX)
trap 'rm -rf "$work"' EXIT
DESTDIR=$work/dest cmake --install "$build" --prefix /opt/ktstr >"$work/install.log" ||
  { cat "$work/install.log" >&2; fail "cmake --install"; }
P=$work/dest/opt/ktstr

for f in bin/ktstr-run lib/ktstr/ktstr-agent lib/ktstr/plugins/libktstr_basic.so \
  share/ktstr/kernel/ktstr-sched-ext.config share/ktstr/examples/ktstr.toml \
  share/ktstr/examples/01-declarative/two_cgroups.toml \
  share/ktstr/examples/schedulers/scx_llc_fifo/scx_llc_fifo.bpf.c \
  share/bash-completion/completions/ktstr-run include/ktstr/scenario.h \
  lib/cmake/ktstr/ktstrConfig.cmake lib/pkgconfig/ktstr.pc; do
  [[ -f "$P/$f" ]] || fail "not installed: $f"
done
for s in "$src"/schema/*.json; do
  [[ -f "$P/share/ktstr/schema/$(basename "$s")" ]] || fail "schema not installed: $(basename "$s")"
done
[[ -x "$P/bin/ktstr-run" && -x "$P/lib/ktstr/ktstr-agent" ]] || fail "binaries not executable"

# No path of this machine's trees in what we ship (rpaths, __FILE__, debug info).
for f in bin/ktstr-run lib/ktstr/ktstr-agent lib/ktstr/plugins/libktstr_basic.so; do
  n=$(strings "$P/$f" | grep -c -e "$src" -e "$build" || true)
  [[ "$n" == 0 ]] || fail "$f holds $n build-tree paths: $(strings "$P/$f" | grep -m3 -e "$src" -e "$build")"
done

# With the source and build trees hidden, from a cwd outside both.
cat >"$work/hidden.sh" <<'INNER'
set -euo pipefail
P=$1
cd "$(mktemp -d)"
export NO_COLOR=1 KTSTR_CACHE_DIR=$PWD/no-cache
unset KTSTR_AGENT KTSTR_DATA_DIR KTSTR_PLUGIN_PATH KTSTR_KERNEL
"$P/bin/ktstr-run" --version
"$P/bin/ktstr-run" check "$P/share/ktstr/examples"
echo "--- list"
"$P/bin/ktstr-run" list "$P/share/ktstr/examples"
echo "--- plugins"
"$P/bin/ktstr-run" plugins basic
INNER
out=$("$here/hide_build_tree.sh" "$src" "$build" -- bash "$work/hidden.sh" "$P" 2>&1) || {
  rc=$?
  [[ $rc == 77 ]] && { echo "$out"; exit 77; }
  echo "$out" >&2
  fail "the installed ktstr-run failed (exit $rc) with the build tree hidden"
}
echo "$out"
version=$(sed -n 's/^project(ktstr VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
grep -qx "$version" <<<"$out" || fail "--version does not print $version"
grep -q "^ktstr/two_cgroups" <<<"$out" || fail "list does not show ktstr/two_cgroups"
grep -q "^/opt/ktstr/lib/ktstr/plugins/libktstr_basic.so\|/lib/ktstr/plugins/libktstr_basic.so (ABI" <<<"$out" ||
  fail "plugins basic does not come from the installed lib/ktstr/plugins"
grep -q " plugins/basic/pinned_per_llc.cc:" <<<"$out" || fail "plugins does not name the scenario's source"
echo "install tree: OK"
