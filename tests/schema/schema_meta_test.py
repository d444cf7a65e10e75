#!/usr/bin/env python3
"""Checks schema/ktstr-spec.schema.json itself and validates the fixture specs.

The schema is walked once: every subschema must be valid draft-07, use only
draft-07 keywords (valijson 1.0 silently ignores newer ones), close every
object with fixed keys (additionalProperties), describe every property, keep
$ref objects bare and give every `pattern` an `x-hint`.  The key sets are
compared with the SPEC.md contract spelled out below, and [defaults] must
accept exactly the test keys minus the per-test ones.  Then every fixture in
fixtures/valid must pass and every fixture in fixtures/invalid must fail with
the error named in its `# expect-error:` line (path: message, as reported by
python3-jsonschema).

Usage: schema_meta_test.py [--schema PATH] [--fixtures DIR]
Exit status 0 when every check passes, 1 otherwise (each failure printed).
"""

import argparse
import json
import pathlib
import re
import sys
import tomllib

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The "Test keys" table of SPEC.md, plus the sub-tables a test may carry.
SPEC_TEST_KEYS = {
    "description", "scenario", "plugin", "scheduler", "topology", "memory_mib",
    "duration_s", "workers_per_cgroup", "watchdog_timeout_s", "timeout_s",
    "cleanup_budget_ms", "extra_sched_args", "required_flags", "excluded_flags",
    "payload", "workloads", "extra_include_files", "sysctls", "kargs", "config",
    "host_only", "expect_err", "expect_scx_bpf_error_contains",
    "expect_scx_bpf_error_matches", "allow_inconclusive", "auto_repro",
    "replicas", "ignore", "kaslr", "performance_mode", "no_perf_mode",
    "num_snapshots", "checks", "gauntlet", "cgroup", "step", "temporal",
}
PER_TEST_ONLY = {"description", "cgroup", "step", "temporal"}
SPEC_CHECK_KEYS = {
    "not_starved", "isolation", "max_gap_ms", "max_spread_pct",
    "max_throughput_cv", "min_work_rate", "max_p99_wake_latency_ns",
    "max_wake_latency_cv", "min_iteration_rate", "max_migration_ratio",
    "max_imbalance_ratio", "max_local_dsq_depth", "fail_on_stall",
    "sustained_samples", "max_fallback_rate", "max_keep_last_rate",
}
SPEC_GAUNTLET_KEYS = {
    "min_llcs", "max_llcs", "min_cpus", "max_cpus", "min_numa_nodes",
    "max_numa_nodes", "requires_smt", "presets",
}
SPEC_ROOT_KEYS = {"run", "defaults", "scheduler", "payload", "preset", "test"}

# Keywords introduced after draft-07; valijson 1.0 would silently ignore them.
POST_DRAFT7 = {
    "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
    "$recursiveAnchor", "$vocabulary", "unevaluatedProperties",
    "unevaluatedItems", "dependentRequired", "dependentSchemas", "prefixItems",
    "minContains", "maxContains",
}
# Keywords whose value is one subschema / a list of them / a map of them.
SUB_ONE = {"additionalProperties", "propertyNames", "items", "additionalItems",
           "contains", "not", "if", "then", "else"}
SUB_LIST = {"allOf", "anyOf", "oneOf"}
SUB_MAP = {"properties", "patternProperties", "definitions"}
CONDITIONS = {"if", "then", "else", "not"}


class Checker:
    def __init__(self):
        self.failures = []

    def fail(self, msg):
        self.failures.append(msg)
        print(f"FAIL: {msg}")

    def expect(self, cond, msg):
        if not cond:
            self.fail(msg)


def walk(schema, path="#", condition=False):
    """Yields (json_pointer, subschema, condition) for every dict subschema.

    `condition` is true inside if/then/else/not: those subschemas only test or
    require keys of an object described elsewhere, so they are not object
    schemas of their own and need no description or additionalProperties.
    """
    if not isinstance(schema, dict):
        return
    yield path, schema, condition
    for key, value in schema.items():
        cond = condition or key in CONDITIONS
        if key in SUB_ONE:
            if isinstance(value, list):  # draft-07 tuple form of items
                for i, sub in enumerate(value):
                    yield from walk(sub, f"{path}/{key}/{i}", cond)
            else:
                yield from walk(value, f"{path}/{key}", cond)
        elif key in SUB_LIST:
            for i, sub in enumerate(value):
                yield from walk(sub, f"{path}/{key}/{i}", cond)
        elif key in SUB_MAP:
            for name, sub in value.items():
                yield from walk(sub, f"{path}/{key}/{name}", cond)


def resolve(root, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/definitions/"), ref
        schema = root["definitions"][ref[len("#/definitions/"):]]
    return schema


def props_of(root, name):
    return root["definitions"][name]["properties"]


def check_structure(c, root):
    try:
        jsonschema.Draft7Validator.check_schema(root)
    except jsonschema.SchemaError as e:
        c.fail(f"schema is not valid draft-07: {e.message}")
    c.expect(root.get("$schema") == "http://json-schema.org/draft-07/schema#",
             "$schema must be draft-07")
    for key in ("$id", "title", "description"):
        c.expect(isinstance(root.get(key), str) and root[key], f"root needs {key}")
    c.expect("id" not in root, "root must not use draft-04 'id' (valijson would rebase $refs)")

    for name, definition in root["definitions"].items():
        # valijson 1.0 parses propertyNames with its parent's path, and at the
        # top of a $ref target that path is already cached as the parent, so
        # property names get validated against the whole object schema.
        c.expect("propertyNames" not in definition,
                 f"#/definitions/{name}: propertyNames at the top of a definition breaks "
                 "valijson 1.0; use patternProperties + additionalProperties: false")
    for ptr, sub, condition in walk(root):
        for kw in POST_DRAFT7 & set(sub):
            c.fail(f"{ptr}: keyword '{kw}' is not draft-07")
        if "$ref" in sub:
            c.expect(set(sub) == {"$ref"}, f"{ptr}: $ref must be bare, found {sorted(sub)}")
            c.expect(sub["$ref"].startswith("#/definitions/")
                     and sub["$ref"][len("#/definitions/"):] in root["definitions"],
                     f"{ptr}: dangling $ref {sub['$ref']}")
        if "properties" in sub and not condition:
            c.expect("additionalProperties" in sub,
                     f"{ptr}: object with properties must set additionalProperties")
            for name, prop in sub["properties"].items():
                target = resolve(root, prop)
                c.expect(isinstance(target.get("description"), str) and target["description"].strip(),
                         f"{ptr}/properties/{name}: missing description")
        if "pattern" in sub:
            try:
                re.compile(sub["pattern"])
            except re.error as e:
                c.fail(f"{ptr}: pattern does not compile: {e}")
            c.expect(isinstance(sub.get("x-hint"), str) and sub["x-hint"],
                     f"{ptr}: a pattern needs an x-hint for readable errors")
        if "default" in sub:
            target = dict(resolve(root, sub))
            target.pop("default", None)
            errors = list(jsonschema.Draft7Validator(
                {**target, "definitions": root["definitions"]}).iter_errors(sub["default"]))
            c.expect(not errors, f"{ptr}: default {sub['default']!r} violates its own schema")
        if "enum" in sub:
            c.expect(len(set(map(json.dumps, sub["enum"]))) == len(sub["enum"]),
                     f"{ptr}: duplicate enum values")


def check_contract(c, root):
    c.expect(set(root["properties"]) == SPEC_ROOT_KEYS,
             f"root tables {sorted(root['properties'])} != {sorted(SPEC_ROOT_KEYS)}")
    test = props_of(root, "test")
    c.expect(set(test) == SPEC_TEST_KEYS,
             f"test keys differ from SPEC.md: missing {sorted(SPEC_TEST_KEYS - set(test))}, "
             f"extra {sorted(set(test) - SPEC_TEST_KEYS)}")
    defaults = props_of(root, "defaults")
    want = set(test) - PER_TEST_ONLY
    c.expect(set(defaults) == want,
             f"defaults keys must be test keys minus {sorted(PER_TEST_ONLY)}: "
             f"missing {sorted(want - set(defaults))}, extra {sorted(set(defaults) - want)}")
    for key in want & set(defaults):
        c.expect(defaults[key] == test[key], f"defaults.{key} differs from test.{key}")
    c.expect(set(props_of(root, "checks")) == SPEC_CHECK_KEYS, "checks keys differ from SPEC.md")
    c.expect(set(props_of(root, "gauntlet")) == SPEC_GAUNTLET_KEYS, "gauntlet keys differ from SPEC.md")
    checks = props_of(root, "checks")
    for key, prop in checks.items():
        if prop.get("type") in ("number", "integer"):
            c.expect(prop.get("minimum") == 0 or prop.get("minimum") == 1,
                     f"checks.{key}: thresholds may not be negative")
        if key.endswith("_pct"):
            c.expect(prop.get("maximum") == 100, f"checks.{key}: percentages must be <= 100")
    builtin = {"not_starved": True, "isolation": False, "max_gap_ms": 2000,
               "max_spread_pct": 15, "sustained_samples": 5, "fail_on_stall": True}
    for key, prop in checks.items():
        c.expect(prop.get("default") == builtin.get(key),
                 f"checks.{key}: default {prop.get('default')!r}, want {builtin.get(key)!r}")
        if key not in builtin:
            c.expect("unset" in prop["description"],
                     f"checks.{key}: description must say what unset means")
    # Names: every keyed table uses the same name rule.
    for table in ("scheduler", "payload", "preset", "test"):
        pn = root["properties"][table].get("propertyNames", {})
        c.expect(pn.get("pattern") == "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
                 f"{table}: propertyNames pattern")
    topo = root["definitions"]["topology"]["oneOf"][0]
    c.expect(topo.get("x-hint") == "NnLlCcTt, e.g. 1n2l4c1t", "topology string x-hint")


def load_fixture(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def error_lines(validator, doc):
    out = []
    for e in validator.iter_errors(doc):
        out.append("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
        for sub in e.context or []:  # oneOf/anyOf branches
            out.append("/".join(str(p) for p in sub.absolute_path) + ": " + sub.message)
    return out


def check_fixtures(c, root, fixtures):
    validator = jsonschema.Draft7Validator(root)
    valid = sorted((fixtures / "valid").rglob("*.toml"))
    invalid = sorted((fixtures / "invalid").rglob("*.toml"))
    c.expect(len(valid) >= 2, f"expected valid fixtures in {fixtures}/valid")
    c.expect(len(invalid) >= 5, f"expected invalid fixtures in {fixtures}/invalid")
    seen_keys = set()
    for path in valid:
        doc = load_fixture(path)
        errors = error_lines(validator, doc)
        c.expect(not errors, f"{path}: valid fixture rejected: {errors}")
        for t in doc.get("test", {}).values():
            seen_keys |= set(t)
        seen_keys |= set(doc.get("defaults", {}))
    uncovered = SPEC_TEST_KEYS - seen_keys
    c.expect(not uncovered, f"valid fixtures never use test keys {sorted(uncovered)}")
    for path in invalid:
        text = path.read_text()
        m = re.search(r"^# expect-error: (.+)$", text, re.M)
        if not m:
            c.fail(f"{path}: missing '# expect-error:' line")
            continue
        want = m.group(1).strip()
        errors = error_lines(validator, tomllib.loads(text))
        if not errors:
            c.fail(f"{path}: invalid fixture accepted")
        elif not any(want in line for line in errors):
            c.fail(f"{path}: no error contains {want!r}; got {errors}")
    return len(valid), len(invalid)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", type=pathlib.Path, default=ROOT / "schema/ktstr-spec.schema.json")
    ap.add_argument("--fixtures", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent / "fixtures")
    args = ap.parse_args()
    with open(args.schema) as f:
        root = json.load(f)
    c = Checker()
    check_structure(c, root)
    check_contract(c, root)
    nvalid, ninvalid = check_fixtures(c, root, args.fixtures)
    if c.failures:
        print(f"schema_meta: {len(c.failures)} failure(s)")
        return 1
    print(f"schema_meta: OK ({nvalid} valid and {ninvalid} invalid fixtures behave)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
