#!/usr/bin/env python3
"""Golden tests of ktstr-run's spec messages and listings.

Each directory under cases/ is one case. It holds the spec file(s), and
optionally:
  cmd  - the ktstr-run arguments, one per line (default: "check" and ".")
  cwd  - a directory, relative to the case, to run in (default: the case itself)
expected.txt is "exit N", then stderr, then (if any) a "--- stdout" line and
stdout, with ANSI escapes stripped and the repository's absolute path replaced
by <ROOT>. The command runs with the case directory as cwd so paths in the
messages are short and stable.

  run_golden.py --ktstr BIN [--update] [CASE...]
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def normalize(text):
    text = ANSI.sub("", text)
    return text.replace(ROOT, "<ROOT>")


def run_case(ktstr, case_dir):
    args = ["check", "."]
    cmd_file = os.path.join(case_dir, "cmd")
    if os.path.exists(cmd_file):
        with open(cmd_file) as f:
            args = [line.rstrip("\n") for line in f if line.strip()]
    cwd = case_dir
    cwd_file = os.path.join(case_dir, "cwd")
    if os.path.exists(cwd_file):
        with open(cwd_file) as f:
            cwd = os.path.normpath(os.path.join(case_dir, f.read().strip()))
    # No kernel cache and no KTSTR_KERNEL: the pre-boot pass then looks up no
    # bare scheduler binary, so messages do not depend on this machine's kernels.
    env = dict(os.environ, NO_COLOR="1", KTSTR_CACHE_DIR=os.path.join(case_dir, ".no-cache"))
    env.pop("KTSTR_PLUGIN_PATH", None)
    env.pop("KTSTR_KERNEL", None)
    proc = subprocess.run([ktstr] + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)
    out = "exit %d\n" % proc.returncode + normalize(proc.stderr)
    if proc.stdout:
        out += "--- stdout\n" + normalize(proc.stdout)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ktstr", required=True, help="path to the ktstr-run binary")
    p.add_argument("--update", action="store_true", help="rewrite expected.txt files")
    p.add_argument("cases", nargs="*", help="case names (default: all)")
    opts = p.parse_args()
    ktstr = os.path.abspath(opts.ktstr)
    cases_dir = os.path.join(HERE, "cases")
    names = opts.cases or sorted(os.listdir(cases_dir))
    failed = []
    for name in names:
        case_dir = os.path.join(cases_dir, name)
        if not os.path.isdir(case_dir):
            print("no such case: %s" % name)
            failed.append(name)
            continue
        actual = run_case(ktstr, case_dir)
        expected_file = os.path.join(case_dir, "expected.txt")
        if opts.update:
            with open(expected_file, "w") as f:
                f.write(actual)
            print("updated %s" % name)
            continue
        try:
            with open(expected_file) as f:
                expected = f.read()
        except FileNotFoundError:
            expected = ""
        if actual == expected:
            print("PASS %s" % name)
        else:
            failed.append(name)
            print("FAIL %s" % name)
            sys.stdout.writelines(difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True),
                "%s/expected.txt" % name, "%s/actual" % name))
    if not opts.update:
        print("%d/%d golden cases passed" % (len(names) - len(failed), len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
