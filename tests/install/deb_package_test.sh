#!/usr/bin/env bash
# deb_package_test.sh BUILD_DIR SOURCE_DIR: builds the .deb with cpack into a
# throwaway directory, checks its control fields (name, version, run-time
# dependencies from dpkg-shlibdeps plus QEMU) and file list, then unpacks it
# with dpkg-deb -x (nothing is installed on this machine) and runs its
# ktstr-run on the packaged examples with the source and build trees hidden.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (dpkg-dev, cmake)"; exit 77; }
done

work=$(mktemp -d /tmp/ktstr-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && cpack -G DEB -B "$work/pkg" --config "$build/CPackConfig.cmake") >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB"; }
version=$(sed -n 's/^project(ktstr VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
debs=("$work"/pkg/ktstr-run_"$version"_*.deb)
[[ -f "${debs[0]}" ]] || fail "no ktstr-run_${version}_*.deb in $(ls "$work/pkg")"
deb=${debs[0]}
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

info=$(dpkg-deb -I "$deb")
field() { sed -n "s/^ $1: //p" <<<"$info"; }
[[ "$(field Package)" == ktstr-run ]] || fail "Package is '$(field Package)'"
[[ "$(field Version)" == "$version" ]] || fail "Version is '$(field Version)', not $version"
depends=$(field Depends)
echo "Depends: $depends"
names=" $(sed 's/ ([^)]*)//g; s/,/ /g' <<<"$depends") "
for dep in qemu-system-x86 apt libarchive13 libelf1 libfmt9 libtomlplusplus3 libstdc++6 libc6; do
  [[ "$names" == *" $dep "* ]] || fail "Depends lacks $dep: $depends"
done

files=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/ktstr-run ./usr/lib/ktstr/ktstr-agent ./usr/lib/ktstr/plugins/libktstr_basic.so \
  ./usr/share/ktstr/schema/ktstr-spec.schema.json ./usr/share/ktstr/kernel/ktstr-sched-ext.config \
  ./usr/share/ktstr/examples/01-declarative/two_cgroups.toml \
  ./usr/share/bash-completion/completions/ktstr-run ./usr/include/ktstr/scenario.h \
  ./usr/lib/cmake/ktstr/ktstrConfig.cmake ./usr/lib/pkgconfig/ktstr.pc; do
  grep -qx -- "$f" <<<"$files" || fail "the package lacks $f"
done
if grep -v '^\./usr/' <<<"$files" | grep -qv '^\./$'; then
  fail "files outside /usr: $(grep -v '^\./usr/' <<<"$files" | grep -v '^\./$' | head -3)"
fi

root=$work/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/ktstr-run usr/lib/ktstr/ktstr-agent usr/lib/ktstr/plugins/libktstr_basic.so; do
  n=$(strings "$root/$f" | grep -c -e "$src" -e "$build" || true)
  [[ "$n" == 0 ]] || fail "$f holds $n build-tree paths"
done
cat >"$work/hidden.sh" <<'INNER'
set -euo pipefail
R=$1
cd "$(mktemp -d)"
export NO_COLOR=1 KTSTR_CACHE_DIR=$PWD/no-cache
unset KTSTR_AGENT KTSTR_DATA_DIR KTSTR_PLUGIN_PATH KTSTR_KERNEL
"$R/usr/bin/ktstr-run" --version
cp -r "$R/usr/share/ktstr/examples" .
"$R/usr/bin/ktstr-run" check examples
"$R/usr/bin/ktstr-run" list examples
"$R/usr/bin/ktstr-run" plugins basic
INNER
out=$("$here/hide_build_tree.sh" "$src" "$build" -- bash "$work/hidden.sh" "$root" 2>&1) || {
  rc=$?
  [[ $rc == 77 ]] && { echo "$out"; exit 77; }
  echo "$out" >&2
  fail "the packaged ktstr-run failed (exit $rc) with the build tree hidden"
}
echo "$out"
grep -qx "$version" <<<"$out" || fail "--version does not print $version"
grep -q "^ktstr/two_cgroups" <<<"$out" || fail "list does not show ktstr/two_cgroups"
grep -q "/usr/lib/ktstr/plugins/libktstr_basic.so (ABI" <<<"$out" ||
  fail "plugins basic does not come from the package's /usr/lib/ktstr/plugins"
echo "deb package: OK"
