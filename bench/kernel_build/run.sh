#!/usr/bin/env bash
# Cold `ktstr-run kernel build` from Debian's linux-source-6.12, timed.
#
#   bench/kernel_build/run.sh [KTSTR_RUN] [-j N]
#
# Builds into a fresh, temporary cache (KTSTR_CACHE_DIR), so nothing is reused:
# the source tarball is unpacked, configured (allnoconfig + the project's
# fragment), compiled, linked with BTF, and the example schedulers are built.
# Prints the wall time, the split the build records in metadata.json, the
# config size and the image sizes; then boots the new kernel to poweroff with
# bench/boot_overhead (bare boot, 2 vCPUs). Asserts nothing. Goals (issue 10):
# cold build <= 6 min on 2 cores, boot to poweroff <= 1.5 s at 2 vCPUs.
# Takes 8-12 minutes and both cores: run it on a quiet machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runner=${1:-$root/build/runner/ktstr-run}
shift || true
[ -x "$runner" ] || { echo "no ktstr-run at $runner (run scripts/setup.sh first)" >&2; exit 2; }

cache=$(mktemp -d /var/tmp/ktstr-bench-kbuild.XXXXXX)
trap 'rm -rf "$cache"' EXIT
export KTSTR_CACHE_DIR=$cache

echo "kernel_build: cold build into $cache (nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg))"
start=$(date +%s.%N)
"$runner" kernel build "$@" </dev/null | sed 's/^/  | /'
end=$(date +%s.%N)
entry=$(ls -d "$cache"/kernels/*-scx-* | head -1)
python3 - "$entry" "$start" "$end" <<'PY'
import json, os, sys
entry, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
m = json.load(open(os.path.join(entry, "metadata.json")))
cfg = open(os.path.join(entry, "config")).read().splitlines()
ys = sum(1 for l in cfg if l.endswith("=y"))
set_ = sum(1 for l in cfg if l.startswith("CONFIG_"))
frag = [l for l in open(m["fragment"]).read().splitlines() if l.startswith("CONFIG_") or l.startswith("# CONFIG_")]
size = lambda f: os.path.getsize(os.path.join(entry, f)) / 2**20
wall = end - start
print(f"wall time (unpack + configure + kernel + schedulers): {wall:.0f} s = {wall/60:.1f} min   goal <= 6 min")
print(f"  kernel build (as recorded):  {m['build_seconds']:.0f} s")
print(f"  example schedulers:          {m.get('sched_build_seconds', 0):.0f} s")
print(f"config: {len(frag)} options in the fragment, {set_} set after olddefconfig ({ys} =y)")
print(f"bzImage {size('bzImage'):.1f} MiB, vmlinux (symbols+BTF) {size('vmlinux'):.1f} MiB, entry {m['size_bytes']/2**20:.1f} MiB")
print(f"label {m['label']}")
with open(os.path.join(os.environ["KTSTR_CACHE_DIR"], "label"), "w") as f:
    f.write(m["label"])
PY
label=$(cat "$cache/label")
echo "boot to poweroff on the new kernel (bench/boot_overhead, 1n1l2c1t = 2 vCPUs):"
python3 "$root/bench/boot_overhead/run.py" --kernel "$label" --runs 5 --runner "$runner" | sed 's/^/  | /'
