#!/usr/bin/env python3
"""End-to-end driver: runs ktstr-run on one spec in a real VM and checks the
verdict, the printed reasons, the exit code and that no qemu is left behind.

    e2e.py CASE --runner build/runner/ktstr-run --plugin-dir DIR --specs tests/e2e/specs
           [--work DIR] [--kernel LABEL] [--keep]

CASE is one of CASES below. The kernel is the newest prebuilt ("kind":
"prebuilt") entry of `ktstr-run kernel list --json`, or --kernel /
KTSTR_E2E_KERNEL. With no such entry the case FAILS and says to run
`ktstr-run kernel fetch`: a missing kernel is never a pass.
Exit status: 0 pass, 1 fail.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SHAPES = ["1n1l2c1t", "1n2l2c1t", "1n2l1c2t", "2n2l2c1t", "1n3l1c1t"]

# case -> (spec file, test name, expected exit code, expected verdict word,
#          [regexes the output must contain])
CASES = {f"topo_{s}": (f"topo_{s}.toml", f"topo_{s}", 0, "PASS", []) for s in SHAPES}
CASES.update({
    "plugin_pass": ("plugin_pass.toml", "plugin_pass", 0, "PASS", []),
    "plugin_fail": ("plugin_fail.toml", "plugin_fail", 1, "FAIL",
                    [r"e2e-fail-detail-one", r"e2e-fail-detail-two"]),
    "plugin_throw": ("plugin_throw.toml", "plugin_throw", 1, "FAIL", [r"e2e-exception-text"]),
    "plugin_segfault": ("plugin_segfault.toml", "plugin_segfault", 1, "FAIL", [r"SIGSEGV"]),
    # Reason patterns are anchored on the reason lines ("    ..."), never on
    # text the test's own name could match.
    "plugin_hang": ("plugin_hang.toml", "plugin_hang", 1, "FAIL",
                    [r"(?m)^    \| scenario hung: scenario 'e2e_hang' of plugin \S+ did not "
                     r"finish within [0-9.]+ s"]),
    "plugin_panic": ("plugin_panic.toml", "plugin_panic", 1, "FAIL",
                     [r"(?m)^    panic: kernel panic: sysrq triggered crash$",
                      r"(?m)^    console: .*Kernel panic - not syncing: sysrq triggered crash"]),
    "expect_err": ("expect_err.toml", "expect_err_fail", 0, "PASS", []),
    # A SKIP is not a failure: exit 0.
    "scx_skip": ("scx_skip.toml", "scx_on_cloud", 0, "SKIP",
                 [r"(?m)^    kernel \S+ lacks CONFIG_SCHED_CLASS_EXT \(scheduler 'simple' needs "
                  r"sched_ext\); run `ktstr-run kernel build`"]),
    "include_files": ("include_files.toml", "include_files", 0, "PASS", []),
    # host_only: no VM; the agent runs on the host in a cgroup of its own.
    "host_only_pass": ("host_only_pass.toml", "host_only_pass", 0, "PASS", []),
    "host_only_fail": ("host_only_fail.toml", "host_only_fail", 1, "FAIL",
                       [r"e2e-fail-detail-one", r"e2e-fail-detail-two"]),
    # Hostile guest output (issue 14): see check_guest_bytes / check_guest_forge.
    "guest_bytes": ("guest_bytes.toml", "guest_bytes", 0, "PASS",
                    [r"(?m)^PASS ktstr/guest_bytes_next "]),
    "guest_forge": ("guest_forge.toml", "guest_forge", 1, "FAIL",
                    [r"(?m)^    \| PASS ktstr/fake 0\.1s$", r"\\x1b\]0;owned\\x07"]),
    "sysctl_missing": ("sysctl_missing.toml", "sysctl_missing", 1, "FAIL",
                       [r"sysctl kernel\.no_such_sysctl_x = '1'.*No such file or directory"]),
    "sysctl_bool": ("sysctl_bool.toml", "sysctl_bool", 0, "PASS", []),
    "work_types": ("work_types.toml", "work_types", 0, "PASS", []),
    # Controls (issue 15): each check passes on a fair run and fails, for its
    # named reason and with its numbers, when the run breaks it. A FAIL names
    # the check, the cgroup, the worker, the measured value and where the
    # threshold came from; -v prints the per-cgroup table (check_table).
    "check_fair": ("check_fair.toml", "check_fair", 0, "PASS",
                   [r"(?m)^PASS ktstr/check_fair ",
                    r"(?m)^    cgroup +workers +cpus +spread +worst gap +migrations +iterations"
                    r" +p99 wake$"]),
    "check_spread": ("check_spread.toml", "check_spread", 1, "FAIL",
                     [r"(?m)^    max_spread_pct: cgroup 'unequal': spread (1[5-9]|[2-9][0-9])\.[0-9]%"
                      r" \(worker [0-2] off-CPU [0-9.]+%, worker [0-2] [0-9.]+%\) > max_spread_pct"
                      r" = 15 \(\S*check_spread\.toml:\d+\)$"]),
    "check_migrations": ("check_migrations.toml", "check_migrations", 1, "FAIL",
                         [r"(?m)^    max_migration_ratio: cgroup 'churn': 0\.[0-9]+ migrations per"
                          r" iteration \([0-9]+ migrations / [0-9]+ iterations; worker [01]"
                          r" migrated most, [0-9]+ times\) > max_migration_ratio = 0\.01"
                          r" \(\S*check_migrations\.toml:\d+\)$"]),
    "check_wake": ("check_wake.toml", "check_wake", 1, "FAIL",
                   [r"(?m)^    max_p99_wake_latency_ns: cgroup 'pingpong': p99 wake latency"
                    r" [0-9]+ ns over [0-9]+ samples .*> max_p99_wake_latency_ns = 1"
                    r" \(\S*check_wake\.toml:\d+\)$"]),
    # The victim shares its only CPU with a SCHED_FIFO spinner, RT throttling
    # off: on 6.12 the fair server still gives it ~50 ms per second, so its
    # worst gap is ~950 ms (docs/telemetry.md), over 500 and under 2000.
    "check_gap": ("check_gap.toml", "check_gap", 1, "FAIL",
                  [r"(?m)^    max_gap_ms: cgroup 'victim': worker 0's longest gap"
                   r" ([5-9][0-9][0-9]|1[0-9][0-9][0-9])\.[0-9] ms \(ended at [0-9.]+ s on CPU 1\)"
                   r" > max_gap_ms = 500 \(\S*check_gap\.toml:\d+\)$"]),
    # A cgroup frozen for the whole run: its worker does no work at all.
    "check_starved": ("check_starved.toml", "check_starved", 1, "FAIL",
                      [r"(?m)^    not_starved: cgroup 'frozen': worker 0 did no work \(work_units = 0"
                       r" in [0-9.]+ s of wall time"]),
    # A step sets outer/inner's cpuset to CPU 1 while its parent allows only
    # CPU 0: cgroup v2 keeps the workers on CPU 0, outside the cpuset in force.
    "check_isolation": ("check_isolation.toml", "check_isolation", 1, "FAIL",
                        [r"(?m)^    isolation: cgroup 'outer/inner': worker [01] ran on CPU 0"
                         r" outside its cpuset 1 in epoch 3 \(from [0-9.]+ s\) \(cpuset \"1\" set"
                         r" at [0-9.]+ s by step 2 \(set_cpuset\)\) with isolation = true"
                         r" \(\S*check_isolation\.toml:\d+\)$"]),
    "check_rate": ("check_rate.toml", "check_rate", 1, "FAIL",
                   [r"(?m)^    min_work_rate: cgroup 'spinners': worker [01] did [0-9.e+]+ work"
                    r" units per CPU-second \([0-9]+ in [0-9.]+ s\), and 1 more worker below"
                    r" < min_work_rate = 1e\+15 \(\S*check_rate\.toml:\d+\)$"]),
})
SIGNAL_CASES = {"sigint", "sigkill"}
SUITE_CASES = {"suite", "gauntlet"}


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verdict_check import Failure, run_and_check, run_in  # noqa: E402


def log(msg):
    print(f"e2e: {msg}", flush=True)


def pick_kernel(runner, wanted):
    if wanted:
        return wanted
    hint = ("no prebuilt kernel in the ktstr kernel cache: run `ktstr-run kernel fetch` "
            "(the README setup does) and retry")
    try:
        out = subprocess.run([runner, "kernel", "list", "--json"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Failure(f"`{runner} kernel list --json` failed: {e}; {hint}")
    if out.returncode != 0:
        raise Failure(f"`kernel list --json` exited {out.returncode}: {out.stderr.strip()}; {hint}")
    try:
        entries = json.loads(out.stdout or "[]")
    except json.JSONDecodeError as e:
        raise Failure(f"`kernel list --json` printed bad JSON ({e}); {hint}")
    prebuilt = [e for e in entries if e.get("kind") == "prebuilt"]
    if not prebuilt:
        raise Failure(hint)
    prebuilt.sort(key=lambda e: e.get("built_at", ""))
    return prebuilt[-1]["label"]


def qemu_pids(marker):
    """PIDs of processes whose command line contains marker (the run dir)."""
    out = subprocess.run(["pgrep", "-f", "--", marker], capture_output=True, text=True)
    me = os.getpid()
    return [int(p) for p in out.stdout.split() if p.strip() and int(p) != me]


def qemu_only(marker):
    pids = []
    for pid in qemu_pids(marker):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if "qemu" in os.path.basename(argv0):
            pids.append(pid)
    return pids


def wait_no_qemu(marker, seconds):
    deadline = time.monotonic() + seconds
    while True:
        left = qemu_only(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def reap_leftovers(pids):
    for pid in pids:  # only the qemu processes of this case's unique run dir
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def base_cmd(args, spec, kernel, run_dir):
    return [args.runner, "run", spec, "--kernel", kernel, "--run-dir", run_dir,
            "--plugin-path", args.plugin_dir, "-v"]


def check_no_orphans(marker):
    left = wait_no_qemu(marker, 5)
    if left:
        reap_leftovers(left)
        raise Failure(f"qemu processes left running after the runner exited: {left}")


def check_topology(shape, rj):
    """Independent of the runner's own check: the guest's observed topology
    (outcome.booted.topology) has the declared counts."""
    m = re.fullmatch(r"(\d+)n(\d+)l(\d+)c(\d+)t", shape)
    n, l, c, t = map(int, m.groups())
    topo = ((rj.get("outcome") or {}).get("booted") or {}).get("topology") or {}
    problems = []
    # l counts LLCs in the whole machine (split evenly over the n nodes).
    want = {"cpus": l * c * t, "numa nodes": n, "LLC groups": l, "SMT groups": l * c}
    got = {"cpus": topo.get("cpus"), "numa nodes": len(topo.get("numa_nodes", [])),
           "LLC groups": len(topo.get("llc_groups", [])),
           "SMT groups": len(topo.get("smt_groups", []))}
    for k in want:
        if want[k] != got[k]:
            problems.append(f"observed {k} {got[k]}, declared {want[k]}")
    if any(len(g) != c * t for g in topo.get("llc_groups", [])):
        problems.append(f"LLC groups {topo.get('llc_groups')} are not all {c * t} CPUs")
    if any(len(g) != t for g in topo.get("smt_groups", [])):
        problems.append(f"SMT groups {topo.get('smt_groups')} are not all {t} CPUs")
    if not problems:
        log(f"observed topology: {got}, llc {topo.get('llc_groups')}, "
            f"numa {topo.get('numa_nodes')}")
    return problems


def check_guest_bytes(out, results):
    """Every result.json is strict UTF-8 JSON, and both tests have one."""
    problems = []
    names = []
    for path in results:
        try:
            with open(path, encoding="utf-8", errors="strict") as f:
                rj = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            problems.append(f"{path} is not valid UTF-8 JSON: {e}")
            continue
        names.append(rj.get("name"))
        tail = (rj.get("outcome") or {}).get("console_tail", "")
        if rj.get("name") == "ktstr/guest_bytes" and "\ufffd" not in tail:
            problems.append("the 0xFF byte did not reach the console tail as U+FFFD")
    for want in ("ktstr/guest_bytes", "ktstr/guest_bytes_next"):
        if want not in names:
            problems.append(f"no result.json for {want} (got {names})")
    return problems


def check_guest_forge(out, results):
    """Guest text never starts a line of its own nor reaches the terminal raw."""
    problems = []
    if re.search(r"(?m)^PASS ktstr/fake", out):
        problems.append("a guest detail printed a line starting with 'PASS ktstr/fake'")
    for ch, name in (("\x1b", "ESC"), ("\r", "CR"), ("\x07", "BEL")):
        if ch in out:
            problems.append(f"raw {name} in the runner's output")
    return problems


# Work types whose every iteration waits, and so samples wake latencies.
NO_WAIT_WORK = {"spin", "cache_pressure", "page_fault_churn"}


def check_work_types(out, results):
    """Every worker of every work type did work (data.telemetry.workers[],
    guest/protocol/worker_report.h), and the waiting types sampled latencies."""
    if len(results) != 1:
        return [f"expected one result.json, found {len(results)}"]
    with open(results[0]) as f:
        rj = json.load(f)
    data = ((rj.get("outcome") or {}).get("result") or {}).get("data") or {}
    workers = (data.get("telemetry") or {}).get("workers")
    if not isinstance(workers, list):
        return ["result.json has no outcome.result.data.telemetry.workers list"]
    problems = []
    by_cgroup = {}
    for w in workers:
        by_cgroup.setdefault(w.get("cgroup"), []).append(w)
        who = f"{w.get('cgroup')} worker {w.get('index')}"
        if not w.get("work_units"):
            problems.append(f"{who} did no work (work_units {w.get('work_units')})")
        if not w.get("iterations"):
            problems.append(f"{who} finished no iteration")
        if w.get("cgroup") not in NO_WAIT_WORK and not w.get("wake_samples_seen"):
            problems.append(f"{who} sampled no wake latency")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "specs",
                           "work_types.toml"), "rb") as f:
        want = set(re.findall(r'(?m)^work = "([a-z_]+)"', f.read().decode()))
    for name in sorted(want):
        if len(by_cgroup.get(name, [])) != 2:
            problems.append(f"cgroup {name}: {len(by_cgroup.get(name, []))} worker reports, "
                            "expected 2")
    if not problems:
        log("work units: " + ", ".join(
            f"{c} {'/'.join(str(w.get('work_units')) for w in ws)}"
            for c, ws in sorted(by_cgroup.items())))
    return problems


def check_fair_reeval(out, results, args, run_dir):
    """The stored record of a real run flips under reeval after a threshold
    edit (--set), in under a second, with no QEMU reachable (PATH emptied):
    reeval boots nothing. Unedited, it stays PASS with no change mark."""
    problems = []
    env = dict(os.environ, PATH="/nonexistent")
    runs = [os.path.join(run_dir, d) for d in os.listdir(run_dir)
            if os.path.isdir(os.path.join(run_dir, d))]
    if len(runs) != 1:
        return [f"expected one run directory in {run_dir}, found {runs}"]
    spec = os.path.join(args.specs, "check_fair.toml")
    same = subprocess.run([args.runner, "reeval", runs[0], spec], capture_output=True, text=True,
                          env=env, timeout=60)
    if same.returncode != 0 or not re.search(r"(?m)^PASS ktstr/check_fair ", same.stdout) \
            or "\u2192" in same.stdout:
        problems.append(f"unedited reeval: exit {same.returncode}, expected 0 and an unchanged "
                        f"PASS:\n{same.stdout}{same.stderr}")
    start = time.monotonic()
    flip = subprocess.run([args.runner, "reeval", runs[0], spec, "--set", "min_work_rate=1e15"],
                          capture_output=True, text=True, env=env, timeout=60)
    secs = time.monotonic() - start
    log(f"reeval with --set min_work_rate=1e15: exit {flip.returncode} in {secs:.3f} s")
    if flip.returncode != 1:
        problems.append(f"reeval --set min_work_rate=1e15 exited {flip.returncode}, expected 1")
    if not re.search(r"(?m)^FAIL ktstr/check_fair .*\(PASS \u2192 FAIL\)", flip.stdout):
        problems.append(f"reeval did not mark the flip 'PASS \u2192 FAIL':\n{flip.stdout}")
    if not re.search(r"(?m)^    min_work_rate: cgroup 'cg_0': worker [01] did [0-9.e+]+ work units"
                     r" per CPU-second .* < min_work_rate = 1e\+15 \(--set min_work_rate=1e15\)$",
                     flip.stdout):
        problems.append(f"reeval's reason does not name min_work_rate and --set:\n{flip.stdout}")
    if secs >= 1.0:
        problems.append(f"reeval took {secs:.2f} s, goal under 1 s")
    return problems


EXTRA_CHECKS = {"guest_bytes": check_guest_bytes, "guest_forge": check_guest_forge,
                "work_types": check_work_types}
RUN_DIR_CHECKS = {"check_fair": check_fair_reeval}


def run_verdict_case(args, case, kernel, run_dir):
    spec_file, test, want_rc, want_verdict, patterns = CASES[case]
    spec = os.path.join(args.specs, spec_file)
    cmd = base_cmd(args, spec, kernel, run_dir)
    out, problems = run_and_check(cmd, test, want_rc, want_verdict, patterns, log,
                                  on_timeout=lambda: reap_leftovers(qemu_only(run_dir)))
    if want_verdict != "SKIP":
        results = [os.path.join(d, f) for d, _, fs in os.walk(run_dir) for f in fs
                   if f == "result.json"]
        if case in EXTRA_CHECKS:
            problems += EXTRA_CHECKS[case](out, results)
        if case in RUN_DIR_CHECKS and not problems:
            problems += RUN_DIR_CHECKS[case](out, results, args, run_dir)
        if not results:
            problems.append(f"no result.json under {run_dir}")
        else:
            with open(results[0]) as f:
                rj = json.load(f)
            if rj.get("verdict") != want_verdict:
                problems.append(f"result.json verdict {rj.get('verdict')!r}, "
                                f"expected {want_verdict}")
            if rj.get("host_only") and os.path.exists(rj.get("cgroup", "")):
                problems.append(f"the host_only cgroup {rj['cgroup']} was left behind")
            if case.startswith("host_only") and not rj.get("host_only"):
                problems.append("result.json does not say host_only: the test ran in a VM")
            if case.startswith("topo_"):
                problems += check_topology(case[len("topo_"):], rj)
                # Debian's kernels have jump labels: one TCG thread (docs/vm.md).
                if rj.get("accel") == "tcg" and rj.get("tcg_threads") != "single":
                    problems.append(f"tcg_threads {rj.get('tcg_threads')!r}, expected 'single' "
                                    "for a kernel with CONFIG_JUMP_LABEL")
    try:
        check_no_orphans(run_dir)
    except Failure as e:
        problems.append(str(e))
    if problems:
        raise Failure("; ".join(problems))


def check_next_run_sweeps(args, kernel, run_dir):
    """The initrd and sockets a kill -9 left go with the next run; logs stay."""
    stale = [os.path.join(d, f) for d, _, files in os.walk(run_dir) for f in files
             if f == "initrd.img" or f.endswith(".sock")]
    logs = [os.path.join(d, f) for d, _, files in os.walk(run_dir) for f in files
            if f == "console.log"]
    if not stale:
        raise Failure("kill -9 left no initrd.img or socket: nothing to sweep")
    spec = os.path.join(args.specs, "after_kill.toml")
    r = subprocess.run(base_cmd(args, spec, kernel, run_dir), capture_output=True, text=True,
                       timeout=120)
    still = [f for f in stale if os.path.exists(f)]
    if r.returncode != 0 or still or not all(os.path.exists(f) for f in logs):
        raise Failure(f"next run (exit {r.returncode}) left {still} or lost a console.log:\n"
                      + r.stdout + r.stderr)
    log(f"the next run removed {len(stale)} stale files and kept the logs")


def check_interrupted_run_dir(run_dir):
    """An interrupted run keeps no partial file (no initrd, socket, temporary
    or half-written result) and its summary.json marks every test NOT-RUN."""
    problems = []
    runs = [os.path.join(run_dir, d) for d in os.listdir(run_dir)
            if os.path.isdir(os.path.join(run_dir, d))]
    if len(runs) != 1:
        return [f"expected one run directory in {run_dir}, found {runs}"]
    for d, _, files in os.walk(runs[0]):
        for f in files:
            path = os.path.join(d, f)
            if f in ("initrd.img", ".lock") or f.endswith((".sock", ".tmp")) or ".tmp" in f \
                    or f in ("console.log", "frames.jsonl", "qemu.log", "result.json"):
                problems.append(f"partial file left after SIGINT: {path}")
    summary_path = os.path.join(runs[0], "summary.json")
    try:
        with open(summary_path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        return problems + [f"no readable summary.json after SIGINT: {e}"]
    if not summary.get("complete") or not summary.get("interrupted"):
        problems.append(f"summary.json complete={summary.get('complete')} "
                        f"interrupted={summary.get('interrupted')}, expected both true")
    statuses = sorted(t.get("status", "?") for t in summary.get("tests", []))
    if statuses != ["NOT-RUN"] * 3:
        problems.append(f"summary.json statuses {statuses}, expected three NOT-RUN")
    if summary.get("exit_code") != 130:
        problems.append(f"summary.json exit_code {summary.get('exit_code')}, expected 130")
    return problems


def run_signal_case(args, case, kernel, run_dir):
    spec = os.path.join(args.specs, "interrupt.toml")
    cmd = base_cmd(args, spec, kernel, run_dir) + ["-j", "2"]
    log("$ " + " ".join(cmd))
    out_path = os.path.join(run_dir, "..", os.path.basename(run_dir) + ".out")
    with open(out_path, "w") as out:
        # Its own session: a signal to its process group is what Ctrl-C in a
        # terminal sends to the foreground job.
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not qemu_only(run_dir):
            if p.poll() is not None:
                raise Failure(f"ktstr-run exited {p.returncode} before qemu started")
            if time.monotonic() > deadline:
                raise Failure("qemu did not start within 120 s")
            time.sleep(0.2)
        time.sleep(3)  # let the guest get going (booting or running the scenario)
        if case == "sigint":
            running = len(qemu_only(run_dir))
            log(f"SIGINT to the runner's process group {p.pid} ({running} VMs running)")
            os.killpg(p.pid, signal.SIGINT)
            sent = time.monotonic()
            # Every VM is gone within 2 s of Ctrl-C (issue 16), the runner soon after.
            left = wait_no_qemu(run_dir, 2)
            gone_s = time.monotonic() - sent
            try:
                rc = p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise Failure("ktstr-run did not exit within 60 s of SIGINT")
            problems = []
            if rc != 130:
                problems.append(f"exit code {rc} after SIGINT, expected 130")
            if left:
                reap_leftovers(left)
                problems.append(f"qemu left running 2 s after SIGINT: {left}")
            else:
                log(f"every VM gone {gone_s:.2f} s after SIGINT")
            if running < 2:
                problems.append(f"only {running} VM(s) ran at once with -j 2 on two 1-thread VMs")
            problems += check_interrupted_run_dir(run_dir)
            if problems:
                raise Failure("; ".join(problems))
        else:
            log(f"SIGKILL to the runner {p.pid}")
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=30)
            left = wait_no_qemu(run_dir, 5)
            if left:
                reap_leftovers(left)
                raise Failure(f"qemu still running 5 s after kill -9 of the runner: {left}")
            check_next_run_sweeps(args, kernel, run_dir)
        log("no qemu process left")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        reap_leftovers(qemu_only(run_dir))
        with open(out_path) as f:
            print(f.read(), end="")
        os.unlink(out_path)


def run_suite_case(args, case, kernel, run_dir):
    """A tree of specs in parallel: -E selects four of five tests, one of them
    ignored (SKIP); one FAILs; --reporter junit and json write valid reports;
    the pipe gets whole blocks; summary.json and junit.xml are in the run dir."""
    suite = os.path.join(args.specs, "suite")
    junit = os.path.join(run_dir, "out", "junit.xml")
    summary_out = os.path.join(run_dir, "out", "summary.json")
    os.makedirs(os.path.dirname(junit))
    runs = os.path.join(run_dir, "runs")
    # Options before and after the path, each taking one value.
    cmd = [args.runner, "-E", "test(/^ktstr\\/suite_/)", suite, "--kernel", kernel,
           "--run-dir", runs, "--reporter", f"junit={junit}", "--reporter", f"json={summary_out}"]
    log("$ " + " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=280)
    print(p.stdout + p.stderr)
    problems = []
    if p.returncode != 1:
        problems.append(f"exit code {p.returncode}, expected 1 (one FAIL)")
    lines = p.stdout.splitlines()
    verdicts = {m.group(2): m.group(1) for m in
                (re.match(r"^(PASS|FAIL|SKIP|FLAKY|NOT-RUN) (ktstr/\S+)", ln) for ln in lines) if m}
    want = {"ktstr/suite_pass_a": "PASS", "ktstr/suite_pass_b": "PASS",
            "ktstr/suite_fail": "FAIL", "ktstr/suite_ignored": "SKIP"}
    if verdicts != want:
        problems.append(f"verdict lines {verdicts}, expected {want}")
    # The FAIL's block: its reasons right under its verdict line (never interleaved).
    for i, ln in enumerate(lines):
        if ln.startswith("FAIL ktstr/suite_fail"):
            if i + 1 >= len(lines) or "min_work_rate" not in lines[i + 1]:
                problems.append("the FAIL's first reason line does not follow its verdict line")
    if "other_filtered_out" in p.stdout:
        problems.append("a test outside -E ran")
    run_dirs = [os.path.join(runs, d) for d in os.listdir(runs)] if os.path.isdir(runs) else []
    if len(run_dirs) != 1:
        problems.append(f"expected one run directory, found {run_dirs}")
    else:
        for f in ("summary.json", "junit.xml"):
            if not os.path.exists(os.path.join(run_dirs[0], f)):
                problems.append(f"no {f} in the run directory")
    try:
        with open(summary_out) as f:
            summary = json.load(f)
        counts = summary.get("counts", {})
        if (counts.get("pass"), counts.get("fail"), counts.get("skip")) != (2, 1, 1):
            problems.append(f"summary counts {counts}, expected 2 pass, 1 fail, 1 skip")
    except (OSError, ValueError) as e:
        problems.append(f"--reporter json: {e}")
    xsd = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "junit", "junit.xsd")
    x = subprocess.run(["xmllint", "--noout", "--schema", xsd, junit], capture_output=True,
                       text=True)
    if x.returncode != 0:
        problems.append(f"junit.xml does not validate: {x.stderr.strip()}")
    try:
        import xml.etree.ElementTree as ET
        cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
        if cases.get("ktstr/suite_fail") is None or cases["ktstr/suite_fail"].find("failure") is None:
            problems.append("junit.xml has no <failure> for ktstr/suite_fail")
    except (OSError, ET.ParseError) as e:
        problems.append(f"junit.xml does not parse: {e}")
    try:
        check_no_orphans(runs)
    except Failure as e:
        problems.append(str(e))
    if problems:
        raise Failure("; ".join(problems))


def run_gauntlet_case(args, case, kernel, run_dir):
    """--gauntlet: the test on its own topology and on each preset that fits
    the host (the 32-vCPU one does not on a small TCG host); every preset's
    observed topology is the declared one; the TCG factor is recorded; without
    --gauntlet only the plain test is listed."""
    spec = os.path.join(args.specs, "gauntlet")
    problems = []
    listed = subprocess.run([args.runner, "list", spec], capture_output=True, text=True,
                            timeout=60)
    if listed.stdout.split() != ["ktstr/gauntlet_probe"]:
        problems.append(f"list without --gauntlet printed {listed.stdout.split()}")
    runs = os.path.join(run_dir, "runs")
    cmd = [args.runner, "run", spec, "--gauntlet", "--kernel", kernel, "--run-dir", runs, "-v"]
    log("$ " + " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=290)
    print(p.stdout + p.stderr)
    if p.returncode != 0:
        problems.append(f"exit code {p.returncode}, expected 0")
    host_cpus = len(os.sched_getaffinity(0))
    shapes = {"tiny-2llc": "1n2l2c1t", "smt-2llc": "1n2l2c2t", "numa2-4llc": "2n4l4c1t",
              "wide3": "1n1l3c1t", "medium-4llc": "1n4l4c2t"}
    fits = {k: v for k, v in shapes.items()
            if int(v[2]) * int(v[4]) * int(v[6]) <= 8 * host_cpus}
    verdicts = {name: v for v, name in re.findall(r"(?m)^(PASS|FAIL|SKIP|INCONCLUSIVE) (\S+)",
                                                   p.stdout)}
    want = {"ktstr/gauntlet_probe": "PASS"}
    want.update({f"gauntlet/gauntlet_probe/{k}": "PASS" for k in fits})
    if verdicts != want:
        problems.append(f"verdicts {verdicts}, expected {want}")
    if "medium-4llc" not in fits and "gauntlet: 4 variants of 1 test on 4 presets; 1 test x preset pair left out (1 too big" not in p.stdout:
        problems.append("the run did not say which preset was left out for the host's size")
    run_dirs = [os.path.join(runs, d) for d in os.listdir(runs)] if os.path.isdir(runs) else []
    for preset, shape in fits.items():
        side = os.path.join(run_dirs[0], "gauntlet", f"gauntlet_probe@{preset}", "result.json") \
            if run_dirs else ""
        try:
            with open(side) as f:
                rj = json.load(f)
        except (OSError, ValueError) as e:
            problems.append(f"{preset}: no result.json ({e})")
            continue
        problems += [f"{preset}: {x}" for x in check_topology(shape, rj)]
        if rj.get("preset") != preset:
            problems.append(f"{preset}: result.json preset is {rj.get('preset')!r}")
        over = rj.get("oversubscription") or {}
        if over.get("tcg_factor") != 8:
            problems.append(f"{preset}: oversubscription {over}, expected tcg_factor 8")
        boot = ((rj.get("outcome") or {}).get("timings") or {}).get("launch_to_booted_ms")
        log(f"{preset} ({shape}): boot {boot} ms, {over.get('vcpus_per_host_cpu')} vCPUs "
            f"per host CPU, timeout {rj.get('timeout_s')} s")
    try:
        check_no_orphans(runs)
    except Failure as e:
        problems.append(str(e))
    if problems:
        raise Failure("; ".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", choices=sorted(list(CASES) + list(SIGNAL_CASES) + list(SUITE_CASES)))
    ap.add_argument("--runner", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--specs", required=True)
    # Short: QEMU's unix socket paths under the run dir must stay < 108 bytes.
    ap.add_argument("--work", default=tempfile.gettempdir())
    ap.add_argument("--kernel", default=os.environ.get("KTSTR_E2E_KERNEL"))
    ap.add_argument("--keep", action="store_true", help="keep the run directory")
    args = ap.parse_args()

    try:
        kernel = pick_kernel(args.runner, args.kernel)
    except Failure as e:
        log(f"FAIL {args.case}: {e}")
        return 1
    os.makedirs(args.work, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix="ke2e-", dir=args.work)
    log(f"case {args.case} on kernel {kernel}, run dir {run_dir}")
    case_fn = (run_signal_case if args.case in SIGNAL_CASES
               else run_gauntlet_case if args.case == "gauntlet"
               else run_suite_case if args.case in SUITE_CASES else run_verdict_case)
    return run_in(run_dir, args.case, args.keep,
                  lambda: case_fn(args, args.case, kernel, run_dir), log)


if __name__ == "__main__":
    sys.exit(main())
