#!/usr/bin/env python3
"""Suite throughput: 12 trivial 2-vCPU tests run serially (-j 1) and with
the default budget; prints both wall times, the speed-up, and the runner's
own memory per running VM (its peak RSS while VMs ran, QEMU excluded).

  bench/suite_throughput/run.py [--ktstr build/runner/ktstr-run] [--kernel LABEL] [--tests 12]

Goals (issue 16): parallel <= 0.6 x serial wall on 2 cores; runner RSS per
running VM < 30 MiB. Prints numbers, asserts nothing.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write_specs(d, n):
    with open(os.path.join(d, "suite.toml"), "w") as f:
        for i in range(n):
            f.write(f'[test.trivial_{i:02d}]\ntopology = "1n1l2c1t"\nduration_s = 0.5\n'
                    f'[[test.trivial_{i:02d}.cgroup]]\nname = "c"\nworkers = 1\n\n')


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def qemu_children(pid):
    n = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{p}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == pid and comm.startswith("qemu"):
            n += 1
    return n


def run(ktstr, spec_dir, run_dir, kernel, jobs):
    cmd = [ktstr, "run", spec_dir, "--run-dir", run_dir]
    if kernel:
        cmd += ["--kernel", kernel]
    if jobs:
        cmd += ["-j", str(jobs)]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak_rss, peak_vms, rss_at_peak_vms = 0, 0, 0
    while p.poll() is None:
        rss, vms = rss_kib(p.pid), qemu_children(p.pid)
        peak_rss = max(peak_rss, rss)
        if vms > peak_vms or (vms == peak_vms and rss > rss_at_peak_vms):
            peak_vms, rss_at_peak_vms = vms, rss
        time.sleep(0.1)
    out = p.stdout.read()
    wall = time.monotonic() - start
    if p.returncode != 0:
        print(out)
        raise SystemExit(f"ktstr-run exited {p.returncode}")
    return wall, peak_rss, peak_vms, rss_at_peak_vms


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ktstr", default=os.path.join(ROOT, "build", "runner", "ktstr-run"))
    ap.add_argument("--kernel", default="", help="kernel label (default: the runner's default)")
    ap.add_argument("--tests", type=int, default=12)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ktstr-suite-bench-")
    try:
        spec_dir = os.path.join(tmp, "specs")
        os.makedirs(spec_dir)
        write_specs(spec_dir, a.tests)
        serial = run(a.ktstr, spec_dir, os.path.join(tmp, "runs"), a.kernel, 1)
        parallel = run(a.ktstr, spec_dir, os.path.join(tmp, "runs"), a.kernel, 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"tests: {a.tests} x 2 vCPUs, host CPUs: {os.cpu_count()}")
    print(f"serial (-j 1):    {serial[0]:7.1f} s wall, runner peak RSS {serial[1]/1024:.1f} MiB")
    print(f"default budget:   {parallel[0]:7.1f} s wall, runner peak RSS {parallel[1]/1024:.1f} MiB, "
          f"up to {parallel[2]} VMs at once")
    print(f"parallel/serial:  {parallel[0]/serial[0]:.2f} (goal <= 0.60)")
    vms = max(1, parallel[2])
    print(f"runner RSS per running VM: {parallel[3]/1024/vms:.1f} MiB (goal < 30 MiB; "
          f"{parallel[3]/1024:.1f} MiB with {vms} VMs running)")


if __name__ == "__main__":
    main()
