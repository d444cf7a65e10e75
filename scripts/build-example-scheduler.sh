#!/usr/bin/env bash
# Build examples/schedulers/scx_llc_fifo (a sched_ext BPF scheduler + its
# libbpf loader) against a cached sched_ext kernel's BTF.
#
#   scripts/build-example-scheduler.sh [KERNEL_DIR] [OUT_DIR]
#
# KERNEL_DIR: a ktstr kernel cache entry holding vmlinux (default: the newest
#             sched_ext entry in ${KTSTR_CACHE_DIR:-~/.cache/ktstr}/kernels).
# OUT_DIR:    where the binary goes (default: build/examples/sched); the
#             binary is OUT_DIR/scx_llc_fifo, intermediates OUT_DIR/.scx_llc_fifo.
# The kernel source tree (for tools/sched_ext/include) is $KTSTR_KERNEL_SRC or
# the unpacked tree under the cache's .work/ directory whose version matches.
# Env: CLANG (default clang-16, else clang), BPFTOOL (default: the tree's
# tools/sched_ext/build/sbin/bpftool, else bpftool), CC (gcc).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC_DIR="$ROOT/examples/schedulers/scx_llc_fifo"
NAME=scx_llc_fifo
CACHE="${KTSTR_CACHE_DIR:-$HOME/.cache/ktstr}/kernels"

die() { echo "build-example-scheduler: error: $*" >&2; exit 1; }
log() { echo "build-example-scheduler: $*" >&2; }

KERNEL_DIR="${1:-}"
OUT_DIR="${2:-$ROOT/build/examples/sched}"

if [[ -z "$KERNEL_DIR" ]]; then
  # Newest cache entry whose metadata says sched_ext and which has a vmlinux.
  best=""; best_t=0
  for meta in "$CACHE"/*/metadata.json; do
    [[ -f "$meta" ]] || continue
    d="$(dirname "$meta")"
    grep -q '"sched_ext": *true' "$meta" || continue
    [[ -f "$d/vmlinux" ]] || continue
    t="$(stat -c %Y "$meta")"
    if (( t > best_t )); then best="$d"; best_t="$t"; fi
  done
  [[ -n "$best" ]] || die "no sched_ext kernel with a vmlinux in $CACHE; build one first with: ktstr-run kernel build"
  KERNEL_DIR="$best"
fi
KERNEL_DIR="$(cd "$KERNEL_DIR" && pwd)" || die "no such kernel dir: $1"
VMLINUX="$KERNEL_DIR/vmlinux"
[[ -f "$VMLINUX" ]] || die "$VMLINUX missing (need a built sched_ext kernel: ktstr-run kernel build)"

# The kernel's version, to pick the matching source tree.
KVER=""
if [[ -f "$KERNEL_DIR/metadata.json" ]]; then
  KVER="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$KERNEL_DIR/metadata.json" | head -n1)"
fi

find_tree() {
  local t v
  if [[ -n "${KTSTR_KERNEL_SRC:-}" ]]; then echo "$KTSTR_KERNEL_SRC"; return; fi
  for h in "$CACHE"/.work/*/*/tools/sched_ext/include/scx/common.bpf.h \
           "$CACHE"/.work/*/tools/sched_ext/include/scx/common.bpf.h; do
    [[ -f "$h" ]] || continue
    t="${h%/tools/sched_ext/include/scx/common.bpf.h}"
    if [[ -n "$KVER" && -f "$t/Makefile" ]]; then
      v="$(awk -F' *= *' '/^VERSION/{a=$2}/^PATCHLEVEL/{b=$2}/^SUBLEVEL/{c=$2}END{print a"."b"."c}' "$t/Makefile")"
      [[ "$KVER" == "$v"* || "$v" == "$KVER"* ]] || continue
    fi
    echo "$t"; return
  done
}
TREE="$(find_tree)"
[[ -n "$TREE" && -f "$TREE/tools/sched_ext/include/scx/common.bpf.h" ]] ||
  die "no kernel source tree with tools/sched_ext/include for ${KVER:-this kernel} (set KTSTR_KERNEL_SRC, or rebuild with: ktstr-run kernel build)"
SCX_INC="$TREE/tools/sched_ext/include"

CLANG="${CLANG:-$(command -v clang-16 || command -v clang || true)}"
# bpftool: the tree's own (built by tools/sched_ext; it knows .struct_ops.link,
# which Debian 12's bpftool 7.1 does not), else the system one.
if [[ -z "${BPFTOOL:-}" && -x "$TREE/tools/sched_ext/build/sbin/bpftool" ]]; then
  BPFTOOL="$TREE/tools/sched_ext/build/sbin/bpftool"
fi
BPFTOOL="${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}"
CC="${CC:-gcc}"
[[ -x "$CLANG" ]] || die "clang (clang-16) not found"
[[ -x "$BPFTOOL" ]] || die "bpftool not found"

# libbpf: the tree's own build (what tools/sched_ext links) if present, else the system one.
TREE_BUILD="$TREE/tools/sched_ext/build"
if [[ -f "$TREE_BUILD/obj/libbpf/libbpf.a" && -f "$TREE_BUILD/include/bpf/bpf_helpers.h" ]]; then
  LIBBPF_INC=(-I"$TREE_BUILD/include")
  LIBBPF_LIBS=("$TREE_BUILD/obj/libbpf/libbpf.a" -lelf -lz)
  LIBBPF_DESC="tree libbpf.a ($TREE_BUILD/obj/libbpf)"
else
  pkg-config --exists libbpf || die "no libbpf: neither $TREE_BUILD/obj/libbpf/libbpf.a nor pkg-config libbpf"
  read -r -a LIBBPF_INC <<<"$(pkg-config --cflags libbpf)"
  read -r -a LIBBPF_LIBS <<<"$(pkg-config --libs libbpf) -lelf -lz"
  LIBBPF_DESC="system libbpf $(pkg-config --modversion libbpf)"
fi

OBJ="$OUT_DIR/.${NAME}"
mkdir -p "$OUT_DIR" "$OBJ"
BIN="$OUT_DIR/$NAME"

newer() { # newer TARGET DEP... : true if TARGET is missing or older than any DEP
  local t="$1"; shift
  [[ -e "$t" ]] || return 0
  local d; for d in "$@"; do [[ "$d" -nt "$t" ]] && return 0; done
  return 1
}

# Record the inputs so switching kernel/tree forces a rebuild.
STAMP="$OBJ/inputs"
want="$VMLINUX|$TREE|$LIBBPF_DESC|$CLANG|$BPFTOOL"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  rm -f "$OBJ"/* ; echo "$want" >"$STAMP"
fi

if newer "$OBJ/vmlinux.h" "$VMLINUX"; then
  log "GEN vmlinux.h from $VMLINUX"
  "$BPFTOOL" btf dump file "$VMLINUX" format c >"$OBJ/vmlinux.h.tmp"
  mv "$OBJ/vmlinux.h.tmp" "$OBJ/vmlinux.h"
fi

ARCH="$(uname -m)"; case "$ARCH" in x86_64) SRCARCH=x86;; aarch64) SRCARCH=arm64;; *) SRCARCH="$ARCH";; esac
SYS_INC=()
while read -r d; do SYS_INC+=(-idirafter "$d"); done < <(
  "$CLANG" -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|\1|p }')

if newer "$OBJ/$NAME.bpf.o" "$SRC_DIR/$NAME.bpf.c" "$OBJ/vmlinux.h" "$SCX_INC"/scx/*.h; then
  log "CLANG-BPF $NAME.bpf.o ($CLANG)"
  "$CLANG" -target bpf -O2 -g -mcpu=v3 -mlittle-endian -D__TARGET_ARCH_"$SRCARCH" \
    -I"$OBJ" -I"$SCX_INC" -I"$SCX_INC/bpf-compat" "${LIBBPF_INC[@]}" \
    -I"$TREE/tools/include/uapi" "${SYS_INC[@]}" \
    -Wall -Wno-compare-distinct-pointer-types \
    -c "$SRC_DIR/$NAME.bpf.c" -o "$OBJ/$NAME.bpf.o"
fi

if newer "$OBJ/$NAME.bpf.skel.h" "$OBJ/$NAME.bpf.o"; then
  log "GEN-SKEL $NAME.bpf.skel.h"
  "$BPFTOOL" gen object "$OBJ/$NAME.linked.o" "$OBJ/$NAME.bpf.o"
  "$BPFTOOL" gen skeleton "$OBJ/$NAME.linked.o" name "$NAME" >"$OBJ/$NAME.bpf.skel.h.tmp"
  mv "$OBJ/$NAME.bpf.skel.h.tmp" "$OBJ/$NAME.bpf.skel.h"
fi

if newer "$BIN" "$SRC_DIR/$NAME.c" "$OBJ/$NAME.bpf.skel.h" "$SCX_INC"/scx/*.h; then
  log "CC $BIN ($LIBBPF_DESC)"
  "$CC" -g -O2 -Wall -pthread -I"$OBJ" -I"$SCX_INC" "${LIBBPF_INC[@]}" \
    -I"$TREE/tools/include" -I"$TREE/tools/include/uapi" \
    "$SRC_DIR/$NAME.c" -o "$BIN.tmp" "${LIBBPF_LIBS[@]}" -lpthread
  mv "$BIN.tmp" "$BIN"
else
  log "$BIN is up to date"
fi
echo "$BIN"
