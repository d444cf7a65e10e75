#!/usr/bin/env python3
"""sched_ext end-to-end cases: real schedulers in real VMs (TCG) on the built
sched_ext kernel.

    e2e_scx.py CASE --runner build/runner/ktstr-run [--work DIR] [--keep]

Each case writes its spec to a temp dir under --work, runs `ktstr-run run`
with --run-dir in that dir, and checks the verdict line, the reasons and the
exit code. The kernel is the newest sched_ext entry of `ktstr-run kernel list
--json` (or KTSTR_E2E_SCX_KERNEL). With none, the case FAILS and names
`ktstr-run kernel build`: a missing kernel is never a pass or a skip.
Exit status: 0 pass, 1 fail.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

SPIN = """
topology = "1n1l2c1t"
duration_s = {dur}
[[test.{name}.cgroup]]
name = "cg_0"
"""

def spec(sched_table, name, extra="", dur=2):
    return sched_table + f"\n[test.{name}]\nscheduler = \"s\"\n{extra}" + SPIN.format(dur=dur, name=name)

SIMPLE = '[scheduler.s]\nbinary = "scx_simple"\n'
# scx_qmap -t N drops every Nth enqueue of a user task: that task stalls until
# the sched_ext watchdog fires. qmap's own timeout is 5 s; yield workers make
# the enqueues.
QMAP_STALL = '[scheduler.s]\nbinary = "scx_qmap"\nargs = ["-t", "1000"]\n'
YIELD = """
topology = "1n1l2c1t"
duration_s = {dur}
[[test.{name}.cgroup]]
name = "cg_0"
work = "yield"
"""


def stall_spec(name, watchdog, dur):
    return (QMAP_STALL + f"\n[test.{name}]\nscheduler = \"s\"\nwatchdog_timeout_s = {watchdog}\n"
            + YIELD.format(dur=dur, name=name))
QMAP_ERR = '[scheduler.s]\nbinary = "scx_qmap"\nargs = ["-e", "20"]\n'
QMAP = '[scheduler.s]\nbinary = "scx_qmap"\n'
# The failure dump under the planted scx_bpf_error (docs/failure-dumps.md):
# qmap's .bss map, named, with a global's value rendered through its BTF.
DUMP_ROWS = [r"(?m)^    failure dump \(captured at exit; [0-9]+ maps, [0-9]+ struct_ops programs\):$",
             r"(?m)^    map scx_qmap\.bss \(array, 1 entry\):$",
             r"(?m)^    \| nr_enqueued = [1-9][0-9]*$",
             r"(?m)^    map cpu_ctx_stor \(percpu_array, 1 entry\):$"]

# The PASS control of the checks (tests/e2e/specs/check_fair.toml) under a
# sched_ext scheduler: the built-in not_starved (zero work, spread, gap),
# isolation and set rates, all judged on the telemetry.
FAIR = """
topology = "1n2l1c1t"
duration_s = 3
[[test.{name}.cgroup]]
name = "cg_0"
[[test.{name}.cgroup]]
name = "cg_1"
cpuset = "0-1"
[test.{name}.checks]
isolation = true
min_work_rate = 1000.0
min_iteration_rate = 1.0
"""


def fair_spec(sched_table, name):
    return sched_table + f"\n[test.{name}]\nscheduler = \"s\"\n" + FAIR.format(name=name)


# The judged table rows of a fair PASS (-v): both cgroups, 2 workers each.
FAIR_ROWS = [r"(?m)^    cgroup +workers +cpus +spread +worst gap +migrations +iterations +p99 wake$",
             r"(?m)^    cg_0 +2 +[0-9,-]+ +[0-9.]+% +[0-9.]+ms ",
             r"(?m)^    cg_1 +2 +[0-9,-]+ +[0-9.]+% +[0-9.]+ms "]
# Our own scheduler, built by scripts/build-example-scheduler.sh beside the
# runner's build tree (@LLC_FIFO@ is replaced by its path in run_case).
LLC_FIFO = '[scheduler.s]\nbinary = "@LLC_FIFO@"\n'

# case -> (spec text, test name, kernel ("scx" | "cloud"), expected exit code,
#          expected verdict, [regexes], {C programs to build: name -> source})
CASES = {
    # 6 s: longer than the default 4 s watchdog that replaces scx_simple's 30 s,
    # so a lowered timeout that tripped the tick's check-in test would show.
    "simple_pass": (spec(SIMPLE, "simple_pass", dur=6), "simple_pass", "scx", 0, "PASS", [], {}),
    "fair_simple": (fair_spec(SIMPLE, "fair_simple"), "fair_simple", "scx", 0, "PASS", FAIR_ROWS,
                    {}),
    "fair_llc_fifo": (fair_spec(LLC_FIFO, "fair_llc_fifo"), "fair_llc_fifo", "scx", 0, "PASS",
                      FAIR_ROWS, {}),
    "qmap_error": (spec(QMAP_ERR, "qmap_error", dur=4), "qmap_error", "scx", 1, "FAIL",
                   [r"scx_bpf_error", r"test triggering error"] + DUMP_ROWS, {}),
    # The negative control of the dump: a scheduler that ends well is dumped
    # too ("end", with SysRq-D), but a PASS prints none of it.
    "dump_pass": (spec(QMAP, "dump_pass", dur=3), "dump_pass", "scx", 0, "PASS", [], {}),
    "qmap_expect": (spec(QMAP_ERR, "qmap_expect",
                         'expect_err = true\nexpect_scx_bpf_error_contains = "test triggering error"\n',
                         dur=4), "qmap_expect", "scx", 0, "PASS", [], {}),
    "qmap_expect_mismatch": (spec(QMAP_ERR, "qmap_expect_mismatch",
                                  'expect_err = true\nexpect_scx_bpf_error_matches = "runnable task stall"\n',
                                  dur=4), "qmap_expect_mismatch", "scx", 1, "FAIL",
                             [r"expect_scx_bpf_error_matches = 'runnable task stall' not found",
                              r"test triggering error"], {}),
    "exit_at_once": (spec('[scheduler.s]\nbinary = "./exit3"\n', "exit_at_once"), "exit_at_once",
                     "scx", 1, "FAIL", [r"did not attach", r"exited with status 3", r"bad option"],
                     {"exit3": '#include <stdio.h>\nint main(void){fputs("bad option\\n", stderr);return 3;}\n'}),
    "crash": (spec('[scheduler.s]\nbinary = "./segv"\n', "crash"), "crash", "scx", 1, "FAIL",
              [r"SIGSEGV"],
              {"segv": 'int main(void){*(volatile int*)0 = 1; return 0;}\n'}),
    "skip_cloud": (spec(SIMPLE, "skip_cloud"), "skip_cloud", "cloud", 0, "SKIP",
                   [r"(?m)^    kernel \S+ lacks CONFIG_SCHED_CLASS_EXT \(scheduler 's' needs "
                    r"sched_ext\); run `ktstr-run kernel build`"], {}),
    # Two kernels: each test runs once per kernel, named by it; sched_ext SKIPs on the prebuilt one.
    "two_kernels": (spec(SIMPLE, "two_kernels"), "two_kernels", "both", 0, "PASS",
                    [r"(?m)^ktstr-run: 2 tests on 2 kernels \(6\.12\.117-scx-[0-9a-f]{8}, ",
                     r"(?m)^PASS ktstr/two_kernels/kernel_6_12_117_scx ",
                     r"(?m)^SKIP ktstr/two_kernels/kernel_6_12_117 .*\n.*CONFIG_SCHED_CLASS_EXT",
                     r"(?m)^1 passed, 0 failed, 1 skipped"], {}),
    # The watchdog override: the stall fires at the test's timeout, not qmap's 5 s.
    "watchdog_lower": (stall_spec("watchdog_lower", 2, 10), "watchdog_lower", "scx", 1, "FAIL",
                       [r"runnable task stall", r"failed to run for"], {}),
    "watchdog_raise": (stall_spec("watchdog_raise", 8, 16), "watchdog_raise", "scx", 1, "FAIL",
                       [r"runnable task stall", r"failed to run for"], {}),
    # Flag profiles: stats and verbose exclude each other, so three instances,
    # each with its flag's args on the scheduler's command line.
    "flag_profiles": (LLC_FIFO + '[scheduler.s.flags.stats]\nargs = ["-s"]\n'
                      '[scheduler.s.flags.verbose]\nargs = ["-v"]\nexcludes = ["stats"]\n'
                      + "\n[test.flag_profiles]\nscheduler = \"s\"\n"
                      + SPIN.format(dur=2, name="flag_profiles"),
                      "flag_profiles", "scx", 0, "PASS",
                      [r"(?m)^PASS ktstr/flag_profiles/stats ",
                       r"(?m)^PASS ktstr/flag_profiles/verbose ",
                       r"(?m)^3 passed, 0 failed"], {}),
}


def stall_seconds(out):
    m = re.search(r"failed to run for (\d+)\.(\d{3})s", out)
    return int(m.group(1)) + int(m.group(2)) / 1000 if m else None


def results(run_dir):
    """Every result.json under run_dir."""
    found = []
    for d, _, files in os.walk(run_dir):
        if "result.json" in files:
            with open(os.path.join(d, "result.json")) as f:
                found.append(json.load(f))
    return found


def schedulers(run_dir):
    """outcome.result.data.scheduler of every result.json under run_dir."""
    return [(((r.get("outcome") or {}).get("result") or {}).get("data") or {}).get("scheduler") or {}
            for r in results(run_dir)]


def watchdogs(run_dir):
    return [s.get("watchdog") for s in schedulers(run_dir)]


def check_simple(out, run_dir):
    """scx_simple was attached as "simple", sched_ext is disabled afterwards, and
    the built-in 4 s watchdog replaced scx_simple's 30 s (the check-in moved)."""
    found = schedulers(run_dir)
    if not found:
        return ["no result.json"]
    s = found[0]
    problems = []
    if s.get("ops") != "simple" or s.get("last_state") != "disabled":
        problems.append(f"ops {s.get('ops')!r}, state afterwards {s.get('last_state')!r}: "
                        "expected 'simple' and 'disabled'")
    w = s.get("watchdog") or {}
    want = {"applied": True, "requested_s": 4, "scheduler_s": 30, "moved_check_in": True}
    if any(w.get(k) != v for k, v in want.items()):
        problems.append(f"watchdog {w}: expected {want}")
    # The PASS is a judged one: every worker did work under scx_simple, and
    # -v printed the per-cgroup table the checks were computed from.
    record = results(run_dir)[0].get("record") or {}
    workers = ((((record.get("result") or {}).get("data") or {}).get("telemetry") or {})
               .get("workers") or [])
    if len(workers) != 2 or any(not w.get("work_units") for w in workers):
        problems.append(f"expected 2 workers with work in the record's telemetry, got "
                        f"{[(w.get('cgroup'), w.get('work_units')) for w in workers]}")
    if not re.search(r"(?m)^    cg_0 +2 +0-1 +[0-9.]+% +[0-9.]+ms ", out):
        problems.append("no per-cgroup table row for cg_0 (2 workers on CPUs 0-1) under -v")
    # Our kernel has no jump labels: one host thread per vCPU (docs/vm.md).
    threads = results(run_dir)[0].get("tcg_threads")
    if threads not in (None, "multi"):
        problems.append(f"tcg_threads {threads!r} on the sched_ext kernel, expected 'multi'")
    return problems


def check_watchdog(lo, hi):
    """The stall was reported after [lo, hi) seconds, and outcome.result.data.scheduler.watchdog records the override."""
    def check(out, run_dir):
        problems = []
        dur = stall_seconds(out)
        if dur is None:
            problems.append("no 'failed to run for N.NNNs' in the output")
        elif not lo <= dur < hi:
            problems.append(f"the stall fired after {dur:.3f}s, expected [{lo}, {hi}) "
                            "(scx_qmap's own timeout is 5 s)")
        ws = watchdogs(run_dir)
        if not ws:
            problems.append("no result.json")
        for w in ws:
            if not w or not w.get("applied"):
                problems.append(f"result.json: outcome.result.data.scheduler.watchdog not applied: {w}")
        return problems
    return check


def check_flag_args(out, run_dir):
    """Each profile's args reached the scheduler's command line, and only its own."""
    want = {"": [], "stats": ["-s"], "verbose": ["-v"]}
    got = {}
    for r in results(run_dir):
        sched = (((r.get("outcome") or {}).get("result") or {}).get("data") or {}).get("scheduler") or {}
        got[r.get("profile")] = sched.get("args")
    return [] if got == want else [f"scheduler args per profile {got}, expected {want}"]


def bss_map(s):
    """The .bss map of a data.scheduler, or {}."""
    return next((m for m in ((s.get("bpf") or {}).get("maps") or [])
                 if str(m.get("name", "")).endswith(".bss")), {})


def check_dump(captured_at, sysrq, printed):
    """result.json holds the dump: the struct_ops programs, .bss with
    nr_enqueued rendered, captured at `captured_at`; SysRq-D `sysrq`; the
    console shows the dump iff `printed`."""
    def check(out, run_dir):
        found = schedulers(run_dir)
        if not found:
            return ["no result.json"]
        s, problems = found[0], []
        bpf = s.get("bpf") or {}
        if bpf.get("captured_at") != captured_at:
            problems.append(f"bpf.captured_at {bpf.get('captured_at')!r}, expected {captured_at!r}")
        progs = {p.get("name"): p for p in bpf.get("programs") or []}
        if (progs.get("qmap_enqueue") or {}).get("verified_insns", 0) <= 0:
            problems.append(f"no struct_ops program qmap_enqueue with verified_insns in {sorted(progs)}")
        if not re.search(r"(?m)^nr_enqueued = [1-9][0-9]*$", bss_map(s).get("values", "")):
            problems.append(f"no 'nr_enqueued = N' in the .bss map: {bss_map(s)}")
        status = (s.get("sysrq_dump") or {}).get("status")
        if status != sysrq:
            problems.append(f"sysrq_dump.status {status!r}, expected {sysrq!r}")
        if sysrq == "captured" and not any(re.match(r"CPU +0", l) for l in
                                           (s.get("sysrq_dump") or {}).get("lines") or []):
            problems.append("SysRq-D captured no 'CPU 0' line")
        if printed != ("failure dump (" in out):
            problems.append(f"the console {'lacks' if printed else 'shows'} the failure dump")
        if captured_at == "exit" and s.get("exit_message") != "test triggering error":
            problems.append(f"exit_message {s.get('exit_message')!r}")
        return problems
    return check


CHECKS = {"flag_profiles": check_flag_args,
          "qmap_error": check_dump("exit", "scheduler not enabled", True),
          "qmap_expect": check_dump("exit", "scheduler not enabled", False),
          "dump_pass": check_dump("end", "captured", False),
          "simple_pass": check_simple, "watchdog_lower": check_watchdog(2.0, 4.5), "watchdog_raise": check_watchdog(8.0, 14.0)}


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from verdict_check import Failure, run_and_check, run_in  # noqa: E402


def log(msg):
    print(f"e2e_scx: {msg}", flush=True)


def kernels(runner):
    try:
        out = subprocess.run([runner, "kernel", "list", "--json"], capture_output=True,
                             text=True, timeout=60)
        return json.loads(out.stdout or "[]") if out.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return []


def pick_kernel(runner, which):
    entries = kernels(runner)
    if which == "scx":
        if os.environ.get("KTSTR_E2E_SCX_KERNEL"):
            return os.environ["KTSTR_E2E_SCX_KERNEL"]
        scx = sorted((e for e in entries if e.get("sched_ext")), key=lambda e: e.get("built_at", ""))
        if not scx:
            raise Failure("no sched_ext kernel in the ktstr kernel cache: run `ktstr-run kernel build` "
                          "(the README setup and CI do) and retry")
        return scx[-1]["label"]
    pre = sorted((e for e in entries if e.get("kind") == "prebuilt" and not e.get("sched_ext")),
                 key=lambda e: e.get("built_at", ""))
    if not pre:
        raise Failure("no prebuilt (non-sched_ext) kernel in the cache: run `ktstr-run kernel fetch`")
    return pre[-1]["label"]


def build_programs(progs, work):
    for name, src in progs.items():
        c = os.path.join(work, name + ".c")
        with open(c, "w") as f:
            f.write(src)
        # Static: the guest has no shell and the overlay need not ship a closure.
        cmd = ["cc", "-static", "-O1", "-o", os.path.join(work, name), c]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure(f"building the test scheduler {name} failed: {' '.join(cmd)}\n{p.stderr}")


def run_case(args, case, work):
    text, test, which, want_rc, want_verdict, patterns, progs = CASES[case]
    # "both": the kernel dimension (--kernel twice; the spec path comes first).
    kernels_ = ["scx", "cloud"] if which == "both" else [which]
    kernel_args = [a for k in kernels_ for a in ("--kernel", pick_kernel(args.runner, k))]
    build_programs(progs, work)
    if "@LLC_FIFO@" in text:
        binary = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.runner))),
                              "examples", "sched", "scx_llc_fifo")
        if not os.path.exists(binary):
            raise Failure(f"{binary} is missing: run scripts/build-example-scheduler.sh (the "
                          "README setup does)")
        text = text.replace("@LLC_FIFO@", binary)
    spec_path = os.path.join(work, f"{case}.toml")
    with open(spec_path, "w") as f:
        f.write(text)
    cmd = [args.runner, "run", spec_path, *kernel_args, "--run-dir", os.path.join(work, "run"), "-v"]
    out, problems = run_and_check(cmd, test, want_rc, want_verdict, patterns, log)
    if case in CHECKS:
        problems += CHECKS[case](out, os.path.join(work, "run"))
    if problems:
        raise Failure("; ".join(problems))


# `ktstr-run verifier`: case -> (specs ("own" = examples/04-own-scheduler,
# else spec text), expected exit code, [regexes], {C programs to build}).
# A load that fails writes a libbpf-like verifier log (with a terminal escape
# the report must show escaped) and exits 1 before it attaches.
BAD_LOADER = r"""#include <stdio.h>
int main(void){
  fputs("libbpf: prog 'bad_dispatch': BPF program load failed: Permission denied\n", stderr);
  fputs("-- BEGIN PROG LOAD LOG --\n", stderr);
  for (int i = 0; i < 30; i++) fputs("0: R1=ctx() R10=fp0\n", stderr);
  fputs("\x1b[31mR2 invalid mem access 'scalar'\n-- END PROG LOAD LOG --\n", stderr);
  return 1;}
"""
VERIFIER_HEADER = r"(?m)^scheduler +profile +program +verified insns +% of 1M limit$"
VERIFIER_CASES = {
    "verifier_own": ("own", 0, [VERIFIER_HEADER, r"(?m)^PASS ktstr/verifier\.llc_fifo ",
                                r"(?m)^PASS ktstr/verifier\.llc_fifo_faults ",
                                r"(?m)^verifier: 2 loads, 0 failed; [1-9][0-9]* programs, 0 at or above 90% "], {}),
    "verifier_fail": ('[scheduler.bad]\nbinary = "./bad_loader"\n', 1,
                      [VERIFIER_HEADER, r"(?m)^FAIL ktstr/verifier\.bad ",
                       r"(?m)^bad +- +\(did not load\) +- +-$",
                       r"(?m)^load failed: ktstr/verifier\.bad \(FAIL; it did not attach\)\n"
                       r"    scheduler 'bad' did not attach: the process exited with status 1",
                       r"(?m)^    \| libbpf: prog 'bad_dispatch': BPF program load failed",
                       r"(?m)^    \| 0: R1=ctx\(\) R10=fp0  \[repeated 30 times\]$",
                       r"(?m)^    \| \\x1b\[31mR2 invalid mem access 'scalar'$",
                       r"(?m)^verifier: 1 load, 1 failed; 0 programs"],
                      {"bad_loader": BAD_LOADER}),
    # Our scheduler with a program the kernel's verifier really rejects.
    "verifier_fail_verify": ('[scheduler.llc_fifo_bad]\nbinary = "@LLC_FIFO@"\nargs = ["--fail-verify"]\n',
                             1, [VERIFIER_HEADER, r"(?m)^FAIL ktstr/verifier\.llc_fifo_bad ",
                                 r"(?m)^llc_fifo_bad +- +\(did not load\) +- +-$",
                                 r"(?m)^load failed: ktstr/verifier\.llc_fifo_bad \(FAIL; it did not attach\)$",
                                 r"(?m)^    \| .*unbounded memory access",
                                 r"(?m)^verifier: 1 load, 1 failed; 0 programs"], {}),
}


def check_sweep_programs(out, run_dir):
    """The table lists each swept scheduler's struct_ops programs: one row per
    program the agent recorded in data.scheduler.bpf.programs, with its count;
    llc_fifo (examples/04-own-scheduler) is among them and has programs."""
    problems = []
    seen = set()
    for r in results(run_dir):
        sched = r.get("test", "").removeprefix("verifier.")
        seen.add(sched)
        data = ((r.get("record") or {}).get("result") or {}).get("data") or {}
        programs = ((data.get("scheduler") or {}).get("bpf") or {}).get("programs")
        if not programs:
            problems.append(f"{sched}: no data.scheduler.bpf.programs in result.json")
            continue
        for p in programs:
            row = (rf"(?m)^{re.escape(sched)} +- +{re.escape(p['name'])} +{p['verified_insns']} "
                   r"+[0-9.]+%$")
            if not re.search(row, out):
                problems.append(f"no table row for {sched}'s program {p['name']} "
                                f"({p['verified_insns']} insns)")
    if "llc_fifo" not in seen:
        problems.append(f"llc_fifo was not swept (swept: {sorted(seen)})")
    return problems


def run_verifier_case(args, case, work):
    specs, want_rc, patterns, progs = VERIFIER_CASES[case]
    build_programs(progs, work)
    binary = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.runner))),
                          "examples", "sched", "scx_llc_fifo")
    if (specs == "own" or "@LLC_FIFO@" in specs) and not os.path.exists(binary):
        raise Failure(f"{binary} is missing: run scripts/build-example-scheduler.sh (the "
                      "README setup does)")
    if specs == "own":
        spec_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                 "examples", "04-own-scheduler")
    else:
        spec_path = os.path.join(work, f"{case}.toml")
        with open(spec_path, "w") as f:
            f.write(specs.replace("@LLC_FIFO@", binary))
    run_dir = os.path.join(work, "run")
    cmd = [args.runner, "verifier", spec_path, "--kernel", pick_kernel(args.runner, "scx"),
           "--run-dir", run_dir, "-j", "1"]
    log("$ " + " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=280)
    out = p.stdout + p.stderr
    print(out, end="" if out.endswith("\n") else "\n")
    problems = [] if p.returncode == want_rc else [f"exit code {p.returncode}, expected {want_rc}"]
    problems += [f"output lacks /{pat}/" for pat in patterns if not re.search(pat, out)]
    if "\x1b" in out:
        problems.append("a raw ESC reached the output")
    if specs == "own":
        problems += check_sweep_programs(out, run_dir)
    if problems:
        raise Failure("; ".join(problems))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES) + sorted(VERIFIER_CASES))
    ap.add_argument("--runner", required=True)
    ap.add_argument("--work", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f"scx-{args.case}-", dir=args.work)
    run = run_verifier_case if args.case in VERIFIER_CASES else run_case
    return run_in(work, args.case, args.keep, lambda: run(args, args.case, work), log)


if __name__ == "__main__":
    sys.exit(main())
