#!/usr/bin/env python3
"""Checks the JUnit XML ktstr-run writes, as CI consumers will read it.

write_sample_reports writes the sample run (tests/report/sample_run.h: every
status, hostile guest text) as junit.xml. Then:

  --consumer xmllint      xmllint --schema tests/data/junit/junit.xsd accepts it,
                          and refuses three broken copies (negative controls:
                          a testcase without a name, a failure outside a
                          testcase, a raw control character);
  --consumer etree        Python's xml.etree parses it, and every status maps to
                          the element docs/reports.md promises; the hostile text
                          arrives as visible text, never as a control character;
  --consumer junitparser  the junitparser library (python3-junitparser) reads
                          the same results; exits 77 (skipped) with the reason
                          when it is not installed.

Usage: junit_check.py --writer EXE --xsd XSD --workdir DIR --consumer NAME
Exit status 0 when every check passes, 1 otherwise (each failure printed).
"""

import argparse
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

FAILURES = []
# What each sample instance must become (name prefix -> expectation).
EXPECT = {
    "ktstr/pass/": ("pass", None),
    "ktstr/fail/": ("failure", "FAIL"),
    "ktstr/flaky/": ("flaky", None),
    "ktstr/skip/": ("skipped", None),
    "ktstr/inconclusive/": ("failure", "INCONCLUSIVE"),
    "ktstr/replicated/": ("not-run", None),
}
# Characters XML 1.0 cannot hold, plus DEL and C1, which the writer replaces too.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what)


def xmllint(xsd, path):
    return subprocess.run(["xmllint", "--schema", str(xsd), "--noout", str(path)],
                          capture_output=True, text=True)


def run_xmllint(xml_path, xsd, workdir):
    r = xmllint(xsd, xml_path)
    check(r.returncode == 0, "xmllint rejects junit.xml: " + r.stderr.strip())
    text = xml_path.read_text(encoding="utf-8")
    broken = {
        "a testcase without a name": re.sub(r'<testcase name="[^"]*"', "<testcase", text, count=1),
        "a failure outside a testcase": text.replace(
            "  </testsuite>", '    <failure message="x"/>\n  </testsuite>', 1),
        "a raw control character": text.replace("ktstr/pass", "ktstr/\x01pass", 1),
    }
    for what, body in broken.items():
        check(body != text, "negative control '%s' changed nothing" % what)
        path = workdir / "broken.xml"
        path.write_text(body, encoding="utf-8")
        r = xmllint(xsd, path)
        check(r.returncode != 0, "xmllint accepted %s" % what)


def expectation(name):
    for prefix, expect in EXPECT.items():
        if name.startswith(prefix):
            return expect
    return ("failure", "FAIL")  # the hostile-named instance fails


def run_etree(xml_path):
    root = ET.parse(xml_path).getroot()
    check(root.tag == "testsuites", "root is <%s>" % root.tag)
    check(root.get("tests") == "7" and root.get("failures") == "3" and
          root.get("skipped") == "2" and root.get("errors") == "0",
          "testsuites counts %s" % root.attrib)
    suites = root.findall("testsuite")
    check([s.get("name") for s in suites] == ["6.12.117-cloud", "6.12.117-scx"],
          "one suite per kernel: %s" % [s.get("name") for s in suites])
    for s in suites:
        check(s.get("hostname") == "ci-host", "suite hostname %s" % s.get("hostname"))
        props = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        check(props.get("run_id") == "20261201-173000-4242-a1b2", "suite properties %s" % props)
    cases = root.findall("testsuite/testcase")
    check(len(cases) == 7, "%d testcases" % len(cases))
    for c in cases:
        name = c.get("name")
        kind, ftype = expectation(name)
        failures, skipped = c.findall("failure"), c.findall("skipped")
        flaky = c.findall("flakyFailure")
        props = {p.get("name"): p.get("value") for p in c.findall("properties/property")}
        if kind == "pass":
            check(not failures and not skipped and not flaky, name + ": a PASS has no result")
        elif kind == "failure":
            check(len(failures) == 1 and failures[0].get("type") == ftype,
                  "%s: <failure type=%s>" % (name, ftype))
        elif kind == "flaky":
            check(not failures and len(flaky) == 1 and props.get("flaky") == "true",
                  name + ": FLAKY passes with one flakyFailure and flaky=true")
            check(flaky and flaky[0].get("message", "").startswith("attempt 1/2 (3.0s): max_gap_ms"),
                  name + ": flakyFailure message %r" % (flaky[0].get("message") if flaky else None))
        elif kind == "skipped":
            check(len(skipped) == 1 and "CONFIG_SCHED_CLASS_EXT" in skipped[0].get("message", ""),
                  name + ": SKIP is <skipped> with its reason")
        elif kind == "not-run":
            check(len(skipped) == 1 and skipped[0].get("message") == "not run: interrupted",
                  name + ": NOT-RUN is <skipped message='not run: ...'>")
            check(name.endswith("(replica 2/2) (run 1/3)"), "display name " + name)
    hostile = [c for c in cases if "]]>" in c.get("name")]
    check(len(hostile) == 1, "the hostile name survives as text")
    if hostile:
        name = hostile[0].get("name")
        for piece in ["\\x01", "\\x1b[31mred\\x07", "]]> <&> \"q\" 'a'", "\ufffd", "\r\n",
                      "\\x7f", "\\u{0085}"]:
            check(piece in name, "hostile name keeps %r: %r" % (piece, name))
        fail = hostile[0].find("failure")
        check(fail is not None and "]]> <&>" in (fail.text or ""), "failure text keeps ]]> <&>")
    for elem in root.iter():
        for value in [elem.text or "", elem.tail or ""] + list(elem.attrib.values()):
            check(not FORBIDDEN.search(value), "control character in <%s>: %r" % (elem.tag, value))


def run_junitparser(xml_path):
    try:
        import junitparser
    except ImportError:
        # Debian's python3-junitparser is pure Python: usable from any 3.x.
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import junitparser
        except ImportError:
            print("junitparser is not installed (apt-get install python3-junitparser); skipped")
            sys.exit(77)
    xml = junitparser.JUnitXml.fromfile(str(xml_path))
    suites = list(xml)
    check(len(suites) == 2, "junitparser sees %d suites" % len(suites))
    seen = 0
    for suite in suites:
        results = {"failure": 0, "skipped": 0}
        for case in suite:
            seen += 1
            kind, ftype = expectation(case.name)
            got = case.result
            if kind in ("pass", "flaky"):
                check(got == [], "%s: junitparser sees %r, a pass" % (case.name, got))
            elif kind == "failure":
                check(len(got) == 1 and isinstance(got[0], junitparser.Failure) and
                      got[0].type == ftype, "%s: junitparser sees %r" % (case.name, got))
                results["failure"] += 1
            else:
                check(len(got) == 1 and isinstance(got[0], junitparser.Skipped),
                      "%s: junitparser sees %r" % (case.name, got))
                results["skipped"] += 1
            check(case.classname == "ktstr", "%s: classname %r" % (case.name, case.classname))
        check(suite.failures == results["failure"] and suite.skipped == results["skipped"],
              "suite %s counts %s/%s, cases %s" % (suite.name, suite.failures, suite.skipped,
                                                   results))
    check(seen == 7, "junitparser sees %d cases" % seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--xsd", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--consumer", required=True, choices=["xmllint", "etree", "junitparser"])
    args = ap.parse_args()
    workdir = pathlib.Path(args.workdir) / args.consumer
    r = subprocess.run([args.writer, str(workdir)], capture_output=True, text=True)
    if r.returncode != 0:
        print("write_sample_reports failed: " + r.stderr)
        return 1
    xml_path = workdir / "junit.xml"
    {"xmllint": lambda: run_xmllint(xml_path, pathlib.Path(args.xsd), workdir),
     "etree": lambda: run_etree(xml_path),
     "junitparser": lambda: run_junitparser(xml_path)}[args.consumer]()
    print("%s: %d failure(s)" % (args.consumer, len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
