#!/usr/bin/env python3
"""Checks that editors using Taplo (Even Better TOML) accept our specs.

Taplo is what VS Code's Even Better TOML runs, and it implements JSON Schema
independently of valijson, so this test proves the schema works in editors:

1. Installs @taplo/cli (pinned) with npm into a per-user cache directory
   (${XDG_CACHE_HOME:-$HOME/.cache}/ktstr/npm) unless it is already there.
   Without npm or registry access the test FAILS with the reason: it never
   passes without having run taplo.
2. Every `#:schema` directive in the checked files must point at
   schema/ktstr-spec.schema.json (so editors find the schema).
3. `taplo check --schema file://<schema>` must accept every *.toml under
   specs/ and examples/ (recursively) and tests/schema/fixtures/valid/.
4. The same files must also pass relying on their `#:schema` directive alone.
5. Every fixture in tests/schema/fixtures/invalid/ must be rejected by a
   schema error (taplo 0.9 has no per-file exit status, so its per-file log
   line is matched), and the misspelt-key fixture's errors must name `toplogy`.

Usage: taplo_editor_check.py [--taplo PATH]   (or KTSTR_TAPLO=PATH)
"""

import argparse
import fcntl
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema" / "ktstr-spec.schema.json"
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
TAPLO_PACKAGE = "@taplo/cli@0.7.0"  # ships taplo 0.9.0
SCHEMA_DIRECTIVE = re.compile(r"^#:schema\s+(\S+)\s*$", re.M)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "ktstr" / "npm"


def ensure_taplo(explicit):
    if explicit:
        if not os.access(explicit, os.X_OK):
            fail(f"taplo '{explicit}' is not executable")
        return explicit
    prefix = cache_dir()
    taplo = prefix / "node_modules" / ".bin" / "taplo"
    prefix.mkdir(parents=True, exist_ok=True)
    # Serialise concurrent installs (several build dirs may run this test at once).
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.access(taplo, os.X_OK):
            return str(taplo)
        npm = shutil.which("npm")
        if not npm:
            fail("npm is not installed (Debian: apt-get install npm); it is needed once to "
                 f"install {TAPLO_PACKAGE} into {prefix}")
        print(f"installing {TAPLO_PACKAGE} into {prefix} ...")
        try:
            proc = subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                 "--no-save", TAPLO_PACKAGE],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            fail(f"npm install {TAPLO_PACKAGE} timed out after 600 s: is the npm registry reachable?")
        if proc.returncode != 0 or not os.access(taplo, os.X_OK):
            print(proc.stdout)
            fail(f"could not install {TAPLO_PACKAGE} from the npm registry "
                 f"(npm exit status {proc.returncode}). This test needs registry access "
                 f"once; the package is then cached in {prefix}. Alternatively point "
                 "KTSTR_TAPLO at a taplo binary.")
    return str(taplo)


def toml_files():
    files = []
    for top in ("specs", "examples"):
        base = ROOT / top
        if base.is_dir():
            files += [p for p in base.rglob("*.toml")
                      if not any(part.startswith(".") for part in p.relative_to(base).parts)]
    files += (FIXTURES / "valid").rglob("*.toml")
    return sorted(set(files))


def run_taplo(taplo, files, schema=True):
    cmd = [taplo, "check", "--colors", "never", "--no-auto-config"]
    if schema:
        cmd += ["--schema", SCHEMA.as_uri()]
    cmd += [str(f) for f in files]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, env={**os.environ, "NO_COLOR": "1"})
    return proc.returncode, proc.stdout


def main():
    ap = argparse.ArgumentParser(description="Validate specs with Taplo against the spec schema.")
    ap.add_argument("--taplo", default=os.environ.get("KTSTR_TAPLO"),
                    help="taplo binary to use instead of the npm-installed one")
    args = ap.parse_args()
    taplo = ensure_taplo(args.taplo)
    version = subprocess.run([taplo, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    print(f"using {taplo} ({version})")

    failures = 0
    valid = toml_files()
    if len(valid) < 2:
        fail(f"expected spec files to check, found {len(valid)}")

    # 2. Directives must resolve to the schema.
    for path in valid + sorted((FIXTURES / "invalid").rglob("*.toml")):
        m = SCHEMA_DIRECTIVE.search(path.read_text())
        if m and not m.group(1).startswith(("http:", "https:")):
            target = m.group(1)
            target = target[len("file://"):] if target.startswith("file://") else target
            resolved = (path.parent / target).resolve()
            if resolved != SCHEMA.resolve():
                print(f"FAIL: {path}: '#:schema {m.group(1)}' resolves to {resolved}, not {SCHEMA}")
                failures += 1

    # 3. With an explicit schema.
    rc, out = run_taplo(taplo, valid)
    if rc != 0:
        print(out)
        print(f"FAIL: taplo rejected valid specs (exit {rc})")
        failures += 1
    else:
        print(f"taplo --schema accepted {len(valid)} spec file(s)")

    # 4. Through the #:schema directive, as an editor would.
    with_directive = [p for p in valid if SCHEMA_DIRECTIVE.search(p.read_text())]
    if with_directive:
        rc, out = run_taplo(taplo, with_directive, schema=False)
        if rc != 0:
            print(out)
            print(f"FAIL: taplo rejected valid specs using their #:schema directive (exit {rc})")
            failures += 1
        else:
            print(f"taplo via #:schema accepted {len(with_directive)} spec file(s)")

    # 5. Invalid fixtures: taplo reports each rejected file on its own line.
    invalid = sorted((FIXTURES / "invalid").rglob("*.toml"))
    if not invalid:
        fail("no invalid fixtures found")
    rc, out = run_taplo(taplo, invalid)
    rejected = set(re.findall(r'invalid file error=schema validation failed path="([^"]+)"', out))
    for path in invalid:
        if str(path) not in rejected:
            print(f"FAIL: taplo did not reject invalid fixture {path} with a schema error")
            failures += 1
    if rc == 0:
        print("FAIL: taplo exited 0 on the invalid fixtures")
        failures += 1
    misspelt = FIXTURES / "invalid" / "misspelt_key.toml"
    if not re.search(re.escape(str(misspelt)) + r":\d+:\d+\n(?:.*\n){0,3}.*'toplogy' was unexpected", out):
        print(out)
        print(f"FAIL: taplo's errors for {misspelt} do not name the misspelt key 'toplogy'")
        failures += 1
    rc, out = run_taplo(taplo, [FIXTURES / "invalid" / "misspelt_key.toml"], schema=False)
    if rc == 0 or "'toplogy' was unexpected" not in out:
        print(out)
        print("FAIL: via its #:schema directive, taplo did not reject misspelt_key.toml naming 'toplogy'")
        failures += 1
    if not failures:
        print(f"taplo rejected all {len(invalid)} invalid fixture(s)")

    if failures:
        print(f"taplo_editor_check: {failures} failure(s)")
        return 1
    print("taplo_editor_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
