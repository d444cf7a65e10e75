"""Shared by the e2e drivers (tests/e2e/e2e.py, tests/e2e_scx/e2e_scx.py):
run one `ktstr-run` command and check its verdict line, exit code and output."""
import re
import shutil
import subprocess
import time


class Failure(Exception):
    pass


def run_and_check(cmd, test, want_rc, want_verdict, patterns, log, timeout=280, on_timeout=None):
    """Runs cmd; returns (output, problems). Raises Failure when it times out
    (after calling on_timeout, e.g. to reap leftover QEMUs)."""
    log("$ " + " ".join(cmd))
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        if on_timeout:
            on_timeout()
        raise Failure(f"ktstr-run did not finish in {timeout} s; output so far:\n{e.stdout}")
    out = p.stdout + p.stderr
    print(out, end="" if out.endswith("\n") else "\n")
    log(f"exit {p.returncode} after {time.monotonic() - t0:.1f}s")
    problems = []
    line = re.search(rf"^(PASS|FAIL|SKIP)\S* ktstr/{re.escape(test)}\b.*$", out, re.M)
    if not line:
        problems.append(f"no result line for ktstr/{test}")
    elif line.group(1) != want_verdict:
        problems.append(f"verdict {line.group(1)}, expected {want_verdict}: {line.group(0)!r}")
    if want_rc is not None and p.returncode != want_rc:
        problems.append(f"exit code {p.returncode}, expected {want_rc}")
    for pat in patterns:
        if not re.search(pat, out):
            problems.append(f"output lacks /{pat}/")
    return out, problems


def run_in(run_dir, case, keep, body, log):
    """Runs body(); removes run_dir when it passed (unless keep), else keeps it
    and says where. Returns the exit status: 0 pass, 1 fail."""
    ok = False
    try:
        body()
        ok = True
    except Failure as e:
        log(f"FAIL {case}: {e}")
    finally:
        if ok and not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            log(f"run directory kept: {run_dir}")
    log(f"{'PASS' if ok else 'FAIL'} {case}")
    return 0 if ok else 1
