#!/usr/bin/env python3
"""Boot overhead of ktstr-run against a bare QEMU boot of the same kernel.

    bench/boot_overhead/run.py [--topology 1n1l2c1t] [--runs 5] [--kernel LABEL]
                               [--runner build/runner/ktstr-run]

(a) bare: QEMU with the exact machine, CPU, topology, memory, kernel and
    kernel command line ktstr-run uses (captured from a warm-up ktstr-run),
    but with a one-file initramfs whose /init (static C, built here with
    gcc -static) powers the VM off at once; timed from spawn to QEMU exit.
(b) ktstr: `ktstr-run run` of one declarative test with duration_s = 0,
    timed from spawn to exit; its result.json splits the time into host prep
    (total - VM time), launch->booted (QEMU start, firmware, kernel, agent
    bring-up), booted->done (the scenario and results), teardown.
Runs are sequential (the machine has 2 cores). Prints both medians and the
ratio; the goal is <= 1.15x.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

INIT_C = r"""
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>
int main(void) {
  static const char msg[] = "bare-init: powering off\n";
  char up[64] = "bare-init: uptime ";
  mount("proc", "/proc", "proc", 0, 0);
  int fd = open("/proc/uptime", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, up + 18, sizeof up - 20) : 0;
  if (n > 0) write(1, up, 18 + n);
  write(1, msg, sizeof msg - 1);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
"""

SPEC = """
[test.boot_overhead]
topology = "{topology}"
duration_s = 0

[[test.boot_overhead.cgroup]]
name = "cg_0"
"""


def pick_kernel(runner, wanted):
    if wanted:
        return wanted
    out = subprocess.run([runner, "kernel", "list", "--json"], capture_output=True, text=True)
    entries = json.loads(out.stdout or "[]") if out.returncode == 0 else []
    prebuilt = sorted((e for e in entries if e.get("kind") == "prebuilt"),
                      key=lambda e: e.get("built_at", ""))
    if not prebuilt:
        sys.exit("boot_overhead: no prebuilt kernel cached: run `ktstr-run kernel fetch`")
    return prebuilt[-1]["label"]


def build_initramfs(work):
    src = os.path.join(work, "init.c")
    with open(src, "w") as f:
        f.write(INIT_C)
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "proc"))
    subprocess.run(["gcc", "-static", "-Os", "-o", os.path.join(root, "init"), src], check=True)
    img = os.path.join(work, "bare.cpio")
    with open(img, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], input=b"init\nproc\n", stdout=out,
                       cwd=root, check=True)
    return img


def ktstr_once(runner, spec, kernel, run_root, capture_argv=False):
    run_dir = tempfile.mkdtemp(prefix="kb-", dir=run_root)
    cmd = [runner, "run", spec, "--kernel", kernel, "--run-dir", run_dir]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    argv = None
    while capture_argv and argv is None and p.poll() is None:
        argv = find_qemu_argv(run_dir)
        time.sleep(0.01)
    out = p.communicate()[0].decode(errors="replace")
    wall = time.monotonic() - t0
    if p.returncode != 0:
        # Under TCG a guest very rarely crashes on its own (seen: an "Oops: int3"
        # during initramfs unpacking on a loaded host); count it, keep going.
        first = "\n".join(out.splitlines()[:4])
        print(f"  ktstr-run exited {p.returncode}, run discarded:\n{first}", flush=True)
        shutil.rmtree(run_dir, ignore_errors=True)
        return None, None, argv
    results = [os.path.join(d, f) for d, _, fs in os.walk(run_dir) for f in fs if f == "result.json"]
    with open(results[0]) as f:
        rj = json.load(f)
    shutil.rmtree(run_dir, ignore_errors=True)
    return wall, rj, argv


def find_qemu_argv(marker):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
        except OSError:
            continue
        if argv and "qemu" in os.path.basename(argv[0]) and any(marker in a for a in argv):
            return argv
    return None


def bare_argv(ktstr_argv, initrd, console):
    """ktstr's QEMU argv minus the agent channel, QMP and sockets, with our initrd."""
    out, i = [], 0
    drop_with_value = {"-chardev", "-serial", "-qmp", "-initrd", "-mon"}
    while i < len(ktstr_argv):
        a = ktstr_argv[i]
        v = ktstr_argv[i + 1] if i + 1 < len(ktstr_argv) else ""
        if a in drop_with_value or (a == "-device" and v.startswith("virtserialport")) or \
                (a == "-device" and v.startswith("virtio-serial")):
            i += 2
            continue
        if a == "-append":
            v = " ".join(w for w in v.split() if not w.startswith("ktstr."))
            out += [a, v]
            i += 2
            continue
        out.append(a)
        i += 1
    return out + ["-initrd", initrd, "-serial", f"file:{console}"]


def bare_once(argv, console):
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        sys.exit(f"boot_overhead: bare qemu exited {p.returncode}: {p.stderr.decode()}")
    # (a guest crash in the bare VM shows as a missing uptime line: NaN)
    wall = time.monotonic() - t0
    uptime = float("nan")
    with open(console, errors="replace") as f:
        for line in f:
            if line.startswith("bare-init: uptime "):
                uptime = float(line.split()[2]) * 1000
    os.unlink(console)
    return wall, uptime


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topology", default="1n1l2c1t")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kernel", default=os.environ.get("KTSTR_BENCH_KERNEL"))
    ap.add_argument("--runner", default=os.path.join(ROOT, "build", "runner", "ktstr-run"))
    args = ap.parse_args()

    kernel = pick_kernel(args.runner, args.kernel)
    work = tempfile.mkdtemp(prefix="kbench-")
    try:
        spec = os.path.join(work, "boot_overhead.toml")
        with open(spec, "w") as f:
            f.write(SPEC.format(topology=args.topology))
        initrd = build_initramfs(work)
        console = os.path.join(work, "bare-console.log")

        # Warm-up: caches the base initramfs and captures QEMU's exact argv.
        for _ in range(3):
            _, _, argv = ktstr_once(args.runner, spec, kernel, work, capture_argv=True)
            if argv:
                break
        if not argv:
            sys.exit("boot_overhead: could not capture ktstr-run's qemu command line")
        bare = bare_argv(argv, initrd, console)
        _, up = bare_once(bare, console)  # warm-up
        if up != up:  # NaN: the init never printed its uptime
            sys.exit("boot_overhead: the bare init did not run (no uptime line on the console)")

        bare_s, bare_up, kt_s, parts, failed = [], [], [], [], 0
        for i in range(args.runs):
            b, up = bare_once(bare, console)
            bare_up.append(up)
            wall, rj, _ = ktstr_once(args.runner, spec, kernel, work)
            if wall is None:
                failed += 1
                bare_s.append(b)
                continue
            t = rj["outcome"]["timings"]
            booted = rj["outcome"].get("booted") or {}
            parts.append({
                "host_prep": wall * 1000 - t["total_ms"],
                "launch_to_booted": t["launch_to_booted_ms"],
                "guest_uptime_at_agent_start": booted.get("agent_start_ms", float("nan")),
                "booted_to_done": t["booted_to_done_ms"],
                "teardown": t["teardown_ms"],
            })
            bare_s.append(b)
            kt_s.append(wall)
            print(f"run {i + 1}/{args.runs}: bare {b:.2f}s  ktstr {wall:.2f}s", flush=True)

        mb, mk = statistics.median(bare_s), statistics.median(kt_s)
        print(f"\nkernel {kernel}, topology {args.topology}, {args.runs} runs, "
              f"accel {rj.get('accel')}")
        print(f"bare QEMU boot->poweroff (static init): median {mb:.2f}s "
              f"(min {min(bare_s):.2f}, max {max(bare_s):.2f})")
        print(f"ktstr-run duration_s=0 test:            median {mk:.2f}s "
              f"(min {min(kt_s):.2f}, max {max(kt_s):.2f})")
        print(f"ratio ktstr/bare: {mk / mb:.2f}x (goal <= 1.15x)")
        if failed:
            print(f"({failed} ktstr-run run(s) failed and were left out)")
        print(f"bare guest uptime when its /init ran: median {statistics.median(bare_up):.0f} ms")
        print("\nwhere ktstr-run's time goes (medians, ms):")
        for k in ["host_prep", "launch_to_booted", "guest_uptime_at_agent_start",
                  "booted_to_done", "teardown"]:
            print(f"  {k:30s} {statistics.median(p[k] for p in parts):8.0f}")
        print("  (host_prep = ktstr-run wall time - VM total: spec load, plan, kernel "
              "resolve, initramfs overlay, process start/exit;\n   guest_uptime_at_agent_start "
              "is the guest's own clock when /init started, inside launch_to_booted)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
