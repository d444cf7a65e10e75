// evaluate() runs the stages of a verdict in order, each over the record:
// how the run ended (console findings, completion, topology, the scenario's
// own verdict), the [checks] over the telemetry (eval/telemetry_checks.cc),
// INCONCLUSIVE and allow_inconclusive, expect_err (which inverts the outcome),
// expect_scx_bpf_error_*, and cleanup_budget_ms. Reasons are runner-written
// sentences; whatever the guest said goes in quoted (eval/guest_text.h):
// escaped inline, or as a "| " block.
#include "eval/evaluate.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "eval/failure_dump.h"
#include "eval/guest_text.h"
#include "eval/telemetry_checks.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/worker_report.h"

namespace ktstr {

using nlohmann::json;

const char* Verdict::name(Kind k) {
  switch (k) {
    case Kind::kPass:
      return "PASS";
    case Kind::kFail:
      return "FAIL";
    case Kind::kSkip:
      return "SKIP";
    case Kind::kInconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

namespace {

constexpr std::size_t kRegexLineCap = 4000;

const json* data_field(const RunRecord& r, const char* key) {
  if (!r.result.is_object() || !r.result.contains("data") || !r.result["data"].is_object())
    return nullptr;
  const json& d = r.result["data"];
  return d.contains(key) ? &d[key] : nullptr;
}

/// How the run ended, before any threshold: PASS only for a completed run
/// with the declared topology and a passing scenario.
Verdict judge_run(const RunRecord& r) {
  Verdict v;
  for (const auto& f : r.findings) {
    if (!f.fatal) continue;
    v.reasons.push_back(
        fmt::format("console: {}{}", escape_guest_line(f.line),
                    f.detail.empty() ? "" : " (" + escape_guest_line(f.detail) + ")"));
  }
  if (r.result.is_object() && r.result.contains("details") && r.result["details"].is_array())
    for (const auto& d : r.result["details"])
      if (d.is_string()) v.details.push_back(quote_guest_block(d.get<std::string>()));
  if (!r.completed()) {
    std::string what = escape_guest_line(r.exit_reason);
    if (r.exit_reason == "agent_died") what = "agent died";
    v.reasons.insert(v.reasons.begin(),
                     fmt::format("{}: {}", what, escape_guest_line(r.exit_detail)));
    if (!r.console_tail.empty())
      v.reasons.push_back("console tail:\n" + quote_guest_block(r.console_tail));
    return v;
  }
  if (r.booted.is_object() && r.booted.contains("topology")) {
    try {
      ObservedTopology seen = r.booted["topology"].get<ObservedTopology>();
      std::string diff = r.check_topology ? compare_topology(r.declared, seen) : "";
      if (!diff.empty()) v.reasons.push_back("topology mismatch: " + escape_guest_line(diff));
    } catch (const std::exception& e) {
      v.reasons.push_back("garbled booted frame: " + escape_guest_line(e.what()));
    }
  } else {
    v.reasons.push_back("the agent did not report its topology");
  }
  if (!r.result.is_object()) {
    v.reasons.push_back("the agent sent no result");
    return v;
  }
  const std::string verdict =
      r.result.contains("verdict") && r.result["verdict"].is_string() ? r.result["verdict"] : "";
  if (verdict != "pass") v.reasons.insert(v.reasons.end(), v.details.begin(), v.details.end());
  if (verdict == "skip") {
    v.kind = Verdict::Kind::kSkip;
    return v;
  }
  if (verdict != "pass" && v.reasons.empty())
    v.reasons.push_back("scenario verdict: " + escape_guest_line(verdict));
  if (verdict != "pass")
    v.reasons.insert(v.reasons.begin(), "scenario " + escape_guest_line(verdict));
  if (v.reasons.empty()) v.kind = Verdict::Kind::kPass;
  return v;
}

/// The [checks] over data.telemetry; turns a PASS into FAIL or INCONCLUSIVE.
void judge_telemetry(Verdict& v, const RunRecord& r, const Checks& checks) {
  if (!r.completed() || !r.result.is_object() || v.kind == Verdict::Kind::kSkip) return;
  const json* raw = data_field(r, "telemetry");
  if (!raw) {
    // Every agent of this format sends it (an empty one when nothing ran):
    // without it no check could fail, so the run cannot pass.
    if (v.kind == Verdict::Kind::kPass) {
      v.kind = Verdict::Kind::kFail;
      v.reasons.push_back(
          "the agent sent no worker telemetry (data.telemetry): the [checks] cannot be "
          "evaluated");
    }
    return;
  }
  ScenarioTelemetry t;
  try {
    t = raw->get<ScenarioTelemetry>();
  } catch (const std::exception& e) {
    v.kind = Verdict::Kind::kFail;
    v.reasons.push_back("garbled telemetry: " + escape_guest_line(e.what()));
    return;
  }
  TelemetryFindings f = check_telemetry(t, checks);
  v.table = std::move(f.table);
  v.notes.insert(v.notes.end(), f.notes.begin(), f.notes.end());
  if (!f.failures.empty()) {
    v.kind = Verdict::Kind::kFail;
    v.reasons.insert(v.reasons.end(), f.failures.begin(), f.failures.end());
  }
  if (f.inconclusive.empty()) return;
  if (v.kind == Verdict::Kind::kFail) {  // a FAIL says more; the rest stays visible
    for (const auto& i : f.inconclusive) v.notes.push_back("INCONCLUSIVE " + i);
    return;
  }
  v.kind = Verdict::Kind::kInconclusive;
  v.reasons.insert(v.reasons.end(), f.inconclusive.begin(), f.inconclusive.end());
}

void allow_inconclusive(Verdict& v, const Checks& checks) {
  if (v.kind != Verdict::Kind::kInconclusive) return;
  const auto& a = checks.allow_inconclusive;
  if (a.set() && *a.value) {
    v.kind = Verdict::Kind::kPass;
    v.notes.insert(
        v.notes.begin(),
        fmt::format("INCONCLUSIVE counted as PASS (allow_inconclusive = true ({}))", a.origin));
    for (auto& r : v.reasons) v.notes.push_back("INCONCLUSIVE " + r);
    v.reasons.clear();
  } else {
    v.reasons.push_back(
        "INCONCLUSIVE fails the run; allow_inconclusive = true would count it as PASS");
  }
}

void expect_err(Verdict& v, const RunRecord& r) {
  if (r.interrupted() || !r.expect_err) return;
  if (v.kind == Verdict::Kind::kSkip || v.kind == Verdict::Kind::kInconclusive) return;
  if (v.kind == Verdict::Kind::kPass) {
    v.kind = Verdict::Kind::kFail;
    v.reasons = {"expect_err is set but the run succeeded"};
  } else {
    v.kind = Verdict::Kind::kPass;
    v.reasons.insert(v.reasons.begin(), "failed as expected (expect_err)");
  }
}

/// expect_scx_bpf_error_contains / _matches (with expect_err): a test that
/// failed as expected stays PASS only if scx_error_text() contains `contains`
/// and `matches` (a regex) finds a match in the kernel's exit message, in the
/// text or in one of its lines. A mismatch names the exit message.
void scx_error_expectation(Verdict& v, const RunRecord& r) {
  const std::string& contains = r.expect_scx_bpf_error_contains;
  const std::string& matches = r.expect_scx_bpf_error_matches;
  if (!r.expect_err || r.interrupted()) return;
  if (v.kind != Verdict::Kind::kPass || (contains.empty() && matches.empty())) return;
  const std::string text = scx_error_text(r);
  std::vector<std::string> missing;
  if (!contains.empty() && text.find(contains) == std::string::npos)
    missing.push_back(fmt::format("expect_scx_bpf_error_contains = \"{}\"", contains));
  if (!matches.empty()) {
    bool found = false;
    try {
      std::regex re(matches);
      // The exit message alone first (so ^...$ anchor on it), then the whole
      // text only when short (libstdc++'s matcher recurses per character).
      const std::string msg = scx_exit_message(r);
      if (!msg.empty()) found = std::regex_search(msg.substr(0, kRegexLineCap), re);
      if (!found && text.size() < kRegexLineCap) found = std::regex_search(text, re);
      std::size_t start = 0;
      while (!found && start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        // A guest line can be megabytes long: the recursion depth is per
        // character, so only the first kRegexLineCap bytes of a line are matched.
        found = std::regex_search(text.substr(start, std::min(end - start, kRegexLineCap)), re);
        start = end + 1;
      }
    } catch (const std::regex_error& e) {
      missing.push_back(fmt::format("expect_scx_bpf_error_matches = '{}' (invalid regex: {})",
                                    matches, e.what()));
      found = true;
    }
    if (!found) missing.push_back(fmt::format("expect_scx_bpf_error_matches = '{}'", matches));
  }
  if (missing.empty()) {
    v.reasons.insert(v.reasons.begin() + (v.reasons.empty() ? 0 : 1),
                     "the scheduler's error matches the expectation");
    return;
  }
  v.kind = Verdict::Kind::kFail;
  std::string seen = text.empty() ? std::string("(no sched_ext error was reported)") : text;
  if (seen.size() > 3000) seen = seen.substr(0, 3000) + "\n[...]";
  std::vector<std::string> reasons;
  for (const auto& m : missing)
    reasons.push_back("the run failed, but not with the expected sched_ext error: " + m +
                      " not found");
  if (const std::string msg = scx_exit_message(r); !msg.empty())
    reasons.push_back("the kernel's exit message: \"" + escape_guest_line(msg) + "\"");
  reasons.push_back("seen:\n" + quote_guest_block(seen));
  v.reasons = std::move(reasons);
}

/// cleanup_budget_ms: the host-side teardown of the VM (end of the run
/// decided until QEMU was reaped) over the budget FAILs the test.
void cleanup_budget(Verdict& v, const RunRecord& r, const Checks& checks) {
  const auto& budget = checks.cleanup_budget_ms;
  if (!budget.set() || !r.teardown_ms || r.interrupted()) return;
  const double took = *r.teardown_ms;
  if (!(took > *budget.value)) return;
  if (v.kind != Verdict::Kind::kFail) v.reasons.clear();
  v.kind = Verdict::Kind::kFail;
  v.reasons.push_back(
      fmt::format("cleanup_budget_ms: host-side VM teardown took {:.1f} ms > cleanup_budget_ms = "
                  "{} ({})",
                  took, *budget.value, budget.origin));
}

}  // namespace

std::string scx_exit_message(const RunRecord& r) {
  if (const json* s = data_field(r, "scheduler");
      s && s->is_object() && s->contains("exit_message") && (*s)["exit_message"].is_string())
    return (*s)["exit_message"].get<std::string>();
  return "";
}

std::string scx_error_text(const RunRecord& r) {
  std::string text;
  if (const json* s = data_field(r, "scheduler");
      s && s->is_object() && s->contains("error_text") && (*s)["error_text"].is_string())
    text = (*s)["error_text"].get<std::string>();
  // The exit message is what the expectation is about: first, even when an
  // older agent's error_text lacks its line.
  if (const std::string msg = scx_exit_message(r); !msg.empty())
    text = "exit message: " + msg + (text.empty() ? "" : "\n" + text);
  if (text.empty() && r.result.is_object() && r.result.contains("details") &&
      r.result["details"].is_array()) {
    for (const auto& d : r.result["details"])
      if (d.is_string()) text += d.get<std::string>() + "\n";
  }
  for (const auto& f : r.findings)
    if (f.line.find("sched_ext") != std::string::npos) text += "\nconsole: " + f.line;
  return text;
}

Verdict evaluate(const RunRecord& record, const Checks& checks) {
  Verdict v = judge_run(record);
  judge_telemetry(v, record, checks);
  allow_inconclusive(v, checks);
  expect_err(v, record);
  scx_error_expectation(v, record);
  cleanup_budget(v, record, checks);
  if (const json* s = data_field(record, "scheduler")) v.failure_dump = format_failure_dump(*s);
  return v;
}

}  // namespace ktstr
