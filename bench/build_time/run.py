#!/usr/bin/env python3
"""Compile time per build configuration: what a cold build costs.

A cold build is most of CI's time (docs/building.md), and the build flags
decide it. Two modes, both printing seconds and asserting nothing:

  run.py [--build build] [--file SRC]...
      compiles each SRC (default: three of our heaviest sources) once per
      flag set (-O2 -g, -O2 -g1, -O0, and ASan+UBSan at -O2 and -O0), with
      the exact command line compile_commands.json in BUILD gives it, into
      /tmp, one compile at a time. Minutes, not the half hour a cold build takes.

  run.py --cold [--targets T...] [-- CMAKE_ARGS...]
      configures a fresh build directory with CMAKE_ARGS and times a cold
      `ninja` of TARGETS (default: all), then prints the compile time summed
      per directory from .ninja_log (CPU seconds; wall ≈ sum / jobs).

Run it on a quiet machine: another build on the same 2 cores doubles the numbers.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILES = ["tests/unit/runner/run_passes_test.cc", "runner/run_command.cc",
                 "eval/telemetry_checks.cc"]
SAN = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
       "-fno-sanitize-recover=undefined"]
FLAG_SETS = [
    ("-O2 -g (RelWithDebInfo before)", ["-O2", "-g"]),
    ("-O2 -g1 (RelWithDebInfo now)", ["-O2", "-g1"]),
    ("-O0 -g", ["-O0", "-g"]),
    ("ASan+UBSan -O2 -g (ASan tier before)", ["-O2", "-g"] + SAN),
    ("ASan+UBSan -O0 -g (ASan tier now)", ["-O0", "-g"] + SAN),
]
# Options that the flag sets replace.
REPLACED = ("-O", "-g", "-fsanitize", "-fno-sanitize", "-fno-omit-frame-pointer")


def base_command(build, src):
    db = json.loads((build / "compile_commands.json").read_text())
    want = (ROOT / src).resolve()
    for entry in db:
        if Path(entry["file"]).resolve() == want:
            argv = shlex.split(entry["command"])
            keep, skip = [], False
            for a in argv:
                if skip:
                    skip = False
                    continue
                if a == "-o":
                    skip = True
                    continue
                if a.startswith(REPLACED):
                    continue
                keep.append(a)
            return keep, entry["directory"]
    sys.exit(f"build_time: {src} is not in {build}/compile_commands.json")


def per_file(args):
    build = Path(args.build)
    files = args.file or DEFAULT_FILES
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in files:
            argv, cwd = base_command(build, src)
            for label, flags in FLAG_SETS:
                t0 = time.monotonic()
                subprocess.run(argv + flags + ["-o", os.path.join(tmp, "x.o")], cwd=cwd,
                               check=True)
                rows.append((src, label, time.monotonic() - t0))
                print(f"{src:45} {label:38} {rows[-1][2]:6.1f} s", flush=True)
    print()
    for label, _ in FLAG_SETS:
        total = sum(s for _, l, s in rows if l == label)
        print(f"sum over {len(files)} files  {label:38} {total:6.1f} s")


def cold(args):
    with tempfile.TemporaryDirectory(prefix="ktstr-build-time-") as tmp:
        subprocess.run(["cmake", "-S", str(ROOT), "-B", tmp, "-G", "Ninja"] + args.cmake_args,
                       check=True, stdout=subprocess.DEVNULL)
        t0 = time.monotonic()
        subprocess.run(["ninja", "-C", tmp] + (args.targets or []), check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.monotonic() - t0
        per_dir = defaultdict(float)
        for line in Path(tmp, ".ninja_log").read_text().splitlines()[1:]:
            start, end, _, out = line.split("\t")[:4]
            if out.endswith(".o"):
                parts = out.split("/")
                key = "/".join(parts[:3] if parts[0] == "tests" else parts[:1])
                per_dir[key] += (int(end) - int(start)) / 1000
        for key, secs in sorted(per_dir.items(), key=lambda kv: -kv[1]):
            print(f"{secs:8.1f} cpu-s  {key}")
        print(f"{sum(per_dir.values()):8.1f} cpu-s  compile in all")
        print(f"{wall:8.1f} s      wall ({' '.join(args.cmake_args) or 'default configuration'})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--file", action="append")
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--targets", nargs="*")
    ap.add_argument("cmake_args", nargs="*")
    args = ap.parse_args()
    cold(args) if args.cold else per_file(args)


if __name__ == "__main__":
    main()
