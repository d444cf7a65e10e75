#!/usr/bin/env python3
"""Runs the fixture specs through valijson, the validator the runner uses.

Converts every TOML fixture (and every *.toml under specs/ and examples/) to
JSON with tomllib, hands them to the schema_valijson_check binary, and asserts
that valid fixtures and project specs are VALID and every invalid fixture is
INVALID.

Usage: valijson_fixtures_test.py --checker PATH [--schema PATH]
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def project_specs():
    out = []
    for top in ("specs", "examples"):
        base = ROOT / top
        if base.is_dir():
            out += [p for p in base.rglob("*.toml")
                    if not any(part.startswith(".") for part in p.relative_to(base).parts)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checker", required=True, help="path to schema_valijson_check")
    ap.add_argument("--schema", default=str(ROOT / "schema" / "ktstr-spec.schema.json"))
    args = ap.parse_args()

    valid = sorted(set(project_specs()) | set((FIXTURES / "valid").rglob("*.toml")))
    invalid = sorted((FIXTURES / "invalid").rglob("*.toml"))
    expected = {}
    with tempfile.TemporaryDirectory(prefix="ktstr-valijson-") as tmp:
        docs = []
        for i, path in enumerate(valid + invalid):
            with open(path, "rb") as f:
                data = tomllib.load(f)
            out = pathlib.Path(tmp) / f"{i:03d}.json"
            out.write_text(json.dumps(data))
            docs.append(str(out))
            expected[str(out)] = (path, path in valid)
        proc = subprocess.run([args.checker, args.schema, *docs],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        print(f"FAIL: schema_valijson_check exited {proc.returncode}")
        return 1

    failures = 0
    seen = set()
    for line in proc.stdout.splitlines():
        verdict, _, rest = line.partition(" ")
        doc = rest.split(": ", 1)[0]
        seen.add(doc)
        source, should_pass = expected[doc]
        if should_pass and verdict != "VALID":
            print(f"FAIL: valijson rejects valid {source}: {rest.split(': ', 1)[-1]}")
            failures += 1
        elif not should_pass and verdict != "INVALID":
            print(f"FAIL: valijson accepts invalid fixture {source}")
            failures += 1
    missing = set(expected) - seen
    for doc in sorted(missing):
        print(f"FAIL: no verdict for {expected[doc][0]}")
    failures += len(missing)
    if failures:
        print(f"valijson_fixtures: {failures} failure(s)")
        return 1
    print(f"valijson_fixtures: OK ({len(valid)} valid accepted, {len(invalid)} invalid rejected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
