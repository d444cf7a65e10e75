#!/usr/bin/env python3
"""Golden test of the reports a run writes: the console summary (pipe
mode), summary.json and junit.xml of the sample run (sample_run.h: every
status, retries, hostile guest text), after normalising times, hostnames
and paths, against tests/golden/reports/.

  golden_check.py --writer write_sample_reports --golden DIR --workdir DIR [--update]
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

FILES = ["console.txt", "summary.json", "junit.xml"]


def normalize(name, text):
    if name == "summary.json":
        doc = json.loads(text)
        for k in ("started_at", "finished_at", "wall_seconds"):
            if k in doc:
                doc[k] = "<T>"
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    text = re.sub(r'timestamp="[^"]*"', 'timestamp="<T>"', text)
    text = re.sub(r'hostname="[^"]*"', 'hostname="<HOST>"', text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writer", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    r = subprocess.run([a.writer, a.workdir], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"golden: the writer failed ({r.returncode}): {r.stderr}")
        return 1
    failed = 0
    for name in FILES:
        with open(os.path.join(a.workdir, name), encoding="utf-8", errors="surrogateescape") as f:
            got = normalize(name, f.read())
        path = os.path.join(a.golden, name)
        if a.update:
            os.makedirs(a.golden, exist_ok=True)
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(got)
            print(f"golden: updated {path}")
            continue
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                want = f.read()
        except OSError as e:
            print(f"golden: {e}; run with --update")
            failed += 1
            continue
        if got != want:
            failed += 1
            print(f"golden: {name} differs from {path}:")
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                       "expected", "got"))
    if not a.update:
        print(f"golden: {len(FILES) - failed} of {len(FILES)} reports match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
