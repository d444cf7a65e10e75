#!/usr/bin/env python3
"""Checks schema/ktstr-summary.schema.json with a second validator.

The unit tests validate summary_json() with valijson, the runner's own
validator; this script checks the schema itself is valid draft-07
(python3-jsonschema), that the sample run's summary.json (written by
write_sample_reports through JsonReporter) passes it, and that a summary
of a newer format or with an unknown status fails it.

Usage: summary_schema_check.py --writer EXE --schema SCHEMA --workdir DIR
Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import copy
import json
import pathlib
import subprocess
import sys

import jsonschema


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    schema = json.loads(pathlib.Path(args.schema).read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    workdir = pathlib.Path(args.workdir)
    r = subprocess.run([args.writer, str(workdir)], capture_output=True, text=True)
    if r.returncode != 0:
        print("write_sample_reports failed: " + r.stderr)
        return 1
    doc = json.loads((workdir / "summary.json").read_text(encoding="utf-8"))
    failures = [e.message for e in validator.iter_errors(doc)]
    for message in failures:
        print("FAIL: the sample summary does not match the schema: " + message)
    newer = copy.deepcopy(doc)
    newer["format"] = 2
    status = copy.deepcopy(doc)
    status["tests"][0]["status"] = "MOSTLY"
    for what, bad in [("format 2", newer), ("status MOSTLY", status)]:
        if validator.is_valid(bad):
            failures.append(what)
            print("FAIL: the schema accepts a summary with " + what)
    print("summary schema: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
