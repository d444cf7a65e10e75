#!/usr/bin/env bash
# Installs every Debian package ktstr-run needs to build, test and boot VMs.
# Idempotent: packages already present are skipped, and apt-get update runs
# only when something is missing.
set -euo pipefail

# Build and runtime libraries (see DESIGN.md "Dependencies").
pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libtomlplusplus-dev libvalijson-dev nlohmann-json3-dev libfmt-dev
  libboost1.81-dev libcli11-dev libgtest-dev libgmock-dev libarchive-dev
  libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  # VMs
  qemu-system-x86 cpio zstd
  # tests: schema meta-validation, the editor check (taplo via npm), the
  # JUnit XML checks: tests/data/junit/junit.xsd (xmllint) and a real
  # consumer's parser (junitparser)
  python3 python3-jsonschema python3-junitparser nodejs clang-format libxml2-utils
  # sched_ext kernel and BPF schedulers
  linux-source-6.12 clang-16 llvm-16 lld-16 dwarves flex bison bc libssl-dev
  bpftool rsync xz-utils kmod
)

missing=()
for p in "${pkgs[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm: the machine image ships Node.js with npm built in (it conflicts with
# Debian's npm package); install Debian's only when no npm is present.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#pkgs[@]} packages present"
fi
