#!/usr/bin/env python3
"""Generates docs/spec-reference.md from schema/ktstr-spec.schema.json.

The schema is the single source of truth for spec keys.  This script walks a
fixed list of sections (one per TOML table a user writes), resolves each
table's definition in the schema and renders one Markdown table per section:
key | type | default | allowed values / range | description.  Output depends
only on the schema file, so it is deterministic and can be checked in CI.

Usage:
  tools/gen_spec_reference.py            write docs/spec-reference.md
  tools/gen_spec_reference.py --check    exit 1 (with a diff) if the committed
                                         file differs from what would be written
"""

import argparse
import difflib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA = ROOT / "schema" / "ktstr-spec.schema.json"
DEFAULT_OUTPUT = ROOT / "docs" / "spec-reference.md"

# (anchor, heading, definition, where the table is written, extra prose)
SECTIONS = [
    ("run", "Project settings: `[run]`", "run", "`[run]` in `ktstr.toml` only",
     "A spec file uses the nearest `ktstr.toml` at or above it. Relative "
     "paths in `[run]` are relative to `ktstr.toml`."),
    ("defaults", "Defaults: `[defaults]`", "defaults",
     "`[defaults]` in `ktstr.toml` (all tests) or in a spec file (that file's tests)",
     "Accepts every key of [`[test.NAME]`](#test) except the per-test keys "
     "`description`, `cgroup`, `step` and `temporal`. Sub-tables "
     "`[defaults.checks]` and `[defaults.gauntlet]` work the same way."),
    ("scheduler", "Schedulers: `[scheduler.NAME]`", "scheduler", "`[scheduler.NAME]`",
     "`NAME` is what a test's `scheduler` key refers to. The name `eevdf` is "
     "reserved: it means the kernel's own scheduler and needs no table."),
    ("flag", "Scheduler flags: `[scheduler.NAME.flags.FLAG]`", "flag",
     "`[scheduler.NAME.flags.FLAG]`",
     "Tests run once per flag profile (a combination of flags), constrained "
     "by `required_flags` and `excluded_flags`."),
    ("payload", "Payloads: `[payload.NAME]`", "payload", "`[payload.NAME]`",
     "A test names its primary payload with `payload` and extra ones with `workloads`."),
    ("metric", "Payload metrics: `[[payload.NAME.metric]]`", "metric",
     "`[[payload.NAME.metric]]`",
     "Set `regex` when the payload's `output` is `\"regex\"` and `json_pointer` "
     "when it is `\"json\"`; a metric may not set both."),
    ("payload_check", "Payload checks: `[[payload.NAME.check]]`", "payload_check",
     "`[[payload.NAME.check]]`", None),
    ("preset", "Gauntlet presets: `[preset.NAME]`", "preset", "`[preset.NAME]`",
     "Added to the built-in presets; a preset runs only if it satisfies the "
     "test's [`[gauntlet]`](#gauntlet) constraints and fits the host."),
    ("test", "Tests: `[test.NAME]`", "test", "`[test.NAME]`",
     "The test's full name is `ktstr/NAME` (gauntlet variants: "
     "`gauntlet/NAME/PRESET[/PROFILE]`). A test either names a C++ "
     "`scenario` in a `plugin`, or declares [`[[cgroup]]`](#cgroup) tables "
     "and runs the built-in declarative scenario."),
    ("checks", "Checks: `[checks]`", "checks",
     "`[defaults.checks]`, `[scheduler.NAME.checks]`, `[test.NAME.checks]`", None),
    ("gauntlet", "Gauntlet constraints: `[gauntlet]`", "gauntlet",
     "`[defaults.gauntlet]`, `[test.NAME.gauntlet]`", None),
    ("cgroup", "Declarative cgroups: `[[cgroup]]`", "cgroup", "`[[test.NAME.cgroup]]`", None),
    ("step", "Declarative steps: `[[step]]`", "step", "`[[test.NAME.step]]`", None),
    ("temporal", "Temporal assertions: `[[temporal]]`", "temporal",
     "`[[test.NAME.temporal]]`", None),
    ("topology", "Topology tables", "topology_table",
     "`topology = { ... }` in a scheduler, preset, test or `[defaults]`", None),
]

# Value formats shared by several keys, documented once after the tables.
FORMATS = ["topology", "cpuset", "work", "affinity", "sysctls", "work_args"]

# Enums longer than this are listed once under "Value formats", not in every table.
LONG_ENUM = 8

# Where a reference to a definition is documented.
SECTION_OF = {s[2]: s[0] for s in SECTIONS}
SECTION_OF.update({"topology": "fmt-topology", "cpuset": "fmt-cpuset", "work": "fmt-work",
                   "affinity": "fmt-affinity", "sysctls": "fmt-sysctls",
                   "work_args": "fmt-work_args"})


class Doc:
    def __init__(self, schema):
        self.schema = schema
        self.defs = schema["definitions"]

    def ref_name(self, node):
        ref = node.get("$ref", "") if isinstance(node, dict) else ""
        return ref.rsplit("/", 1)[-1] if ref.startswith("#/definitions/") else None

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.defs[self.ref_name(node)]
        return node

    def link(self, name, text):
        return f"[{text}](#{SECTION_OF[name]})" if name in SECTION_OF else text

    # --- cell renderers -------------------------------------------------
    def type_of(self, node):
        name = self.ref_name(node)
        node = self.resolve(node)
        if "oneOf" in node:
            return " or ".join(self.type_of(b) for b in node["oneOf"])
        t = node.get("type")
        if isinstance(t, list):
            return " / ".join(t)
        if t == "array":
            item_ref = self.ref_name(node.get("items", {}))
            item = self.resolve(node.get("items", {}))
            if item.get("type") == "object":
                return "array of " + self.link(item_ref, "tables")
            return f"array of {item.get('type', 'values')}s"
        if t == "object":
            kinds = self.value_types(node)
            if kinds:
                return self.link(name, "table") + f" of {kinds}"
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and "properties" not in node:
                inner = self.resolve(extra)
                if self.ref_name(extra):
                    return self.link(name, "table") + " of " + self.link(self.ref_name(extra), "tables")
                kinds = inner.get("type")
                kinds = "/".join(kinds) if isinstance(kinds, list) else kinds
                return self.link(name, "table") + f" of {kinds}"
            return self.link(name, "table")
        if name in SECTION_OF:
            return self.link(name, t)
        return t or "any"

    def value_types(self, node):
        """For a free-form map (patternProperties only): its value types, e.g. "string/number"."""
        if "properties" in node or not node.get("patternProperties"):
            return None
        kinds = []
        for sub in node["patternProperties"].values():
            t = self.resolve(sub).get("type", "any")
            for k in (t if isinstance(t, list) else [t]):
                if k not in kinds:
                    kinds.append(k)
        return "/".join(kinds)

    @staticmethod
    def toml_literal(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return json.dumps(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return "[" + ", ".join(Doc.toml_literal(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {Doc.toml_literal(v)}" for k, v in value.items()) + "}"
        raise TypeError(value)

    def default_of(self, node):
        node = self.resolve(node)
        if "default" in node:
            return code(self.toml_literal(node["default"]))
        if "x-default-text" in node:
            return "*" + node["x-default-text"] + "*"
        return "—"

    def allowed_of(self, node):
        name = self.ref_name(node)
        node = self.resolve(node)
        if name in FORMATS and len(node.get("enum", [])) > LONG_ENUM:
            return f"one of {len(node['enum'])} names, see " + self.link(name, f"`{name}`")
        if "oneOf" in node:
            parts = [self.allowed_of(b) for b in node["oneOf"]]
            return "; or ".join(p for p in parts if p != "—") or "—"
        parts = []
        if "enum" in node:
            parts.append(" \\| ".join(code(self.toml_literal(v)) for v in node["enum"]))
        lo, hi = node.get("minimum"), node.get("maximum")
        xlo = node.get("exclusiveMinimum")
        if lo is not None and hi is not None:
            parts.append(f"{num(lo)} … {num(hi)}")
        elif lo is not None:
            parts.append(f"≥ {num(lo)}")
        elif hi is not None:
            parts.append(f"≤ {num(hi)}")
        if xlo is not None:
            parts.append(f"> {num(xlo)}")
        if "pattern" in node:
            parts.append(escape(node.get("x-hint", node["pattern"])))
        if node.get("type") == "array":
            item = self.resolve(node.get("items", {}))
            if item.get("minLength"):
                parts.append("non-empty strings")
            if node.get("minItems"):
                parts.append(f"at least {node['minItems']}")
            if node.get("uniqueItems"):
                parts.append("no duplicates")
        elif node.get("minLength") and "pattern" not in node and "enum" not in node:
            parts.append("non-empty")
        return ", ".join(parts) or "—"

    def table(self, defn):
        node = self.defs[defn]
        required = set(node.get("required", []))
        rows = ["| key | type | default | allowed values / range | description |",
                "|---|---|---|---|---|"]
        for key, prop in node["properties"].items():
            name = f"`{key}`" + (" (required)" if key in required else "")
            desc = escape(self.resolve(prop).get("description", ""))
            rows.append(f"| {name} | {self.type_of(prop)} | {self.default_of(prop)} | "
                        f"{self.allowed_of(prop)} | {desc} |")
        return rows

    def step_requirements(self):
        rows = ["| `op` | also required |", "|---|---|"]
        for rule in self.defs["step"].get("allOf", []):
            if "op" not in rule["if"].get("properties", {}):
                continue  # a work_args rule (work_args_by_work)
            op = rule["if"]["properties"]["op"]["const"]
            need = ", ".join(f"`{k}`" for k in rule["then"]["required"])
            rows.append(f"| `{op}` | {need} |")
        return rows

    def work_args_by_work(self):
        """The work_args each work type accepts (definitions.cgroup allOf)."""
        rows = ["| `work` | `work_args` (default, range) |", "|---|---|"]
        for rule in self.defs["cgroup"].get("allOf", []):
            cond = rule["if"]
            named = cond["anyOf"][1] if "anyOf" in cond else cond
            work = named["properties"]["work"]["const"]
            props = rule["then"]["properties"]["work_args"]["properties"]
            args = "; ".join(f"`{k}` ({p['default']}, {p['minimum']}–{p['maximum']})"
                             for k, p in props.items()) or "none"
            rows.append(f"| `{work}` | {args} |")
        return rows

    def render(self):
        s = self.schema
        out = [
            "<!-- Generated by tools/gen_spec_reference.py from "
            "schema/ktstr-spec.schema.json. Do not edit by hand: edit the schema "
            "and rerun the script. -->",
            "",
            "# Spec file reference",
            "",
            escape_text(s["description"]),
            "",
            "Every key below is checked against the JSON Schema "
            "`schema/ktstr-spec.schema.json` when specs are loaded. Unknown keys "
            "are errors (with a did-you-mean suggestion), never ignored. Start a "
            "spec file with",
            "",
            "```toml",
            "#:schema ../schema/ktstr-spec.schema.json",
            "```",
            "",
            "(the path is relative to the spec file) so that editors using Taplo "
            "(e.g. VS Code's Even Better TOML) validate and complete it as you type.",
            "",
            "A spec file may contain these top-level tables:",
            "",
            "| table | description |",
            "|---|---|",
        ]
        for key, prop in s["properties"].items():
            target = self.ref_name(prop) or self.ref_name(prop.get("additionalProperties", {}))
            desc = escape(self.resolve(prop).get("description", ""))
            out.append(f"| {self.link(target, '`' + key + '`')} | {desc} |")
        name_rule = s["properties"]["test"]["propertyNames"]
        out += [
            "",
            f"Names of schedulers, payloads, presets, tests and cgroups must match "
            f"`{name_rule['pattern']}`: {escape_text(name_rule['x-hint'])}. "
            "Names are global to one run: defining the same name in two files is an error.",
            "",
            "In the tables below, *default* is the value used when the key is not "
            "set; *—* means the key has no default (see its description for what "
            "unset means).",
        ]
        for anchor, heading, defn, where, prose in SECTIONS:
            node = self.defs[defn]
            out += ["", f'<a id="{anchor}"></a>', "", f"## {heading}", "",
                    escape_text(node["description"]), "", f"Written as: {where}."]
            if prose:
                out += ["", prose]
            if defn == "checks":
                out += ["", "Checks without a default are not evaluated unless set."]
            out += [""] + self.table(defn)
            if defn == "step":
                out += ["", "Depending on `op`, some keys are required:", ""]
                out += self.step_requirements()
            if defn == "cgroup":
                out += ["", "Depending on `work`, `work_args` accepts these whole numbers "
                        "(a step's `work_args` the same); see docs/work-types.md:", ""]
                out += self.work_args_by_work()
        out += ["", '<a id="formats"></a>', "", "## Value formats", ""]
        for name in FORMATS:
            node = self.defs[name]
            out += [f'<a id="{SECTION_OF[name]}"></a>', "", f"### `{name}`", "",
                    escape_text(node["description"]), ""]
            details = []
            if name == "topology":
                string_form = node["oneOf"][0]
                details.append(f"- String: `{string_form['x-hint']}`; pattern `{string_form['pattern']}`.")
                details.append("- Table: see [Topology tables](#topology).")
            else:
                if "enum" in node:
                    details.append("- Allowed: " + ", ".join(code(self.toml_literal(v)) for v in node["enum"]) + ".")
                if "default" in node:
                    details.append(f"- Default: {code(self.toml_literal(node['default']))}.")
                if "pattern" in node:
                    details.append(f"- Form: {escape_text(node['x-hint'])}; pattern `{node['pattern']}`.")
                for key_re, sub in node.get("patternProperties", {}).items():
                    kinds = self.resolve(sub).get("type")
                    kinds = ", ".join(kinds) if isinstance(kinds, list) else kinds
                    details.append(f"- Keys match `{key_re}`; values: {kinds}.")
            out += details + [""]
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"


def code(text):
    return "`" + text.replace("|", "\\|") + "`"


def num(value):
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def escape(text):
    """Escapes text for a Markdown table cell."""
    return escape_text(text).replace("|", "\\|").replace("\n", " ")


def escape_text(text):
    """Keeps prose from being read as HTML."""
    return text.replace("<", "&lt;")


def main():
    ap = argparse.ArgumentParser(description="Generate docs/spec-reference.md from the spec JSON Schema.")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the output file is not up to date")
    ap.add_argument("--schema", type=pathlib.Path, default=DEFAULT_SCHEMA)
    ap.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    text = Doc(schema).render()

    if args.check:
        try:
            current = args.output.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"error: {args.output} does not exist; run tools/gen_spec_reference.py "
                  "to generate it.", file=sys.stderr)
            return 1
        if current == text:
            print(f"{args.output}: up to date")
            return 0
        diff = difflib.unified_diff(current.splitlines(keepends=True), text.splitlines(keepends=True),
                                    fromfile=f"{args.output} (committed)",
                                    tofile=f"{args.output} (generated)")
        sys.stdout.writelines(diff)
        print(f"\nerror: {args.output} is out of date with {args.schema}; "
              f"run tools/gen_spec_reference.py to regenerate it.", file=sys.stderr)
        return 1

    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(args.output.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
