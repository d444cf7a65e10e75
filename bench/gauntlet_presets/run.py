#!/usr/bin/env python3
"""Gauntlet presets on this host: runs one trivial test with --gauntlet on
every preset the host-capacity rule admits, one VM at a time, and prints per
preset its shape, vCPUs per host CPU, boot time (launch to the agent's booted
frame), wall time and verdict; then the presets left out and why.

  bench/gauntlet_presets/run.py [--ktstr build/runner/ktstr-run] [--kernel LABEL]

Prints numbers, asserts nothing (docs/gauntlet.md quotes a run).
"""
import argparse
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SPEC = """[test.probe]
duration_s = 1
[[test.probe.cgroup]]
name = "cg_0"
workers = 1
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ktstr", default=os.path.join(ROOT, "build", "runner", "ktstr-run"))
    ap.add_argument("--kernel", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kgauntlet-")
    spec = os.path.join(work, "probe.toml")
    with open(spec, "w") as f:
        f.write(SPEC)
    cmd = [args.ktstr, "run", spec, "--gauntlet", "-j", "1", "--run-dir", os.path.join(work, "runs")]
    if args.kernel:
        cmd += ["--kernel", args.kernel]
    p = subprocess.run(cmd, capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith("ktstr-run: gauntlet:"):
            print(line)
    runs = os.path.join(work, "runs")
    run = os.path.join(runs, sorted(os.listdir(runs))[-1])
    rows = []
    for d, _, files in os.walk(run):
        if "result.json" not in files:
            continue
        with open(os.path.join(d, "result.json")) as f:
            r = json.load(f)
        t = (r.get("outcome") or {}).get("timings") or {}
        rows.append((r.get("preset") or "(own)", r.get("topology"),
                     (r.get("oversubscription") or {}).get("vcpus_per_host_cpu"),
                     t.get("launch_to_booted_ms"), r.get("seconds"), r.get("status")))
    rows.sort(key=lambda x: (x[2] or 0, x[0]))
    print(f"{'preset':<14} {'topology':<10} {'vcpu/cpu':>8} {'boot s':>7} {'wall s':>7}  verdict")
    for preset, topo, per, boot, wall, status in rows:
        print(f"{preset:<14} {topo:<10} {per or 0:>8.1f} {(boot or 0) / 1000:>7.2f} "
              f"{wall or 0:>7.1f}  {status}")
    listed = subprocess.run([args.ktstr, "list", "--gauntlet", "-v", spec], capture_output=True,
                            text=True)
    for line in listed.stdout.splitlines():
        if line.startswith("# not run:"):
            print(line)
    print(f"exit {p.returncode}; run directory {run}")


if __name__ == "__main__":
    main()
