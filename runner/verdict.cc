#include "runner/verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "guest/protocol/observed_topology.h"
#include "runner/guest_text.h"

namespace ktstr {

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

// Reasons are runner-written sentences; whatever the guest said goes in
// quoted (runner/guest_text.h): escaped inline, or as a "| " block.
Verdict judge_run(const VmOutcome& o, const TopologySpec& declared, bool check_topology) {
  Verdict v;
  for (const auto& f : o.findings) {
    if (!f.fatal) continue;
    v.reasons.push_back(
        fmt::format("console: {}{}", escape_guest_line(f.line),
                    f.detail.empty() ? "" : " (" + escape_guest_line(f.detail) + ")"));
  }
  if (!o.completed()) {
    std::string what = std::string(to_string(o.reason));
    if (o.reason == VmExitReason::kAgentDied) what = "agent died";
    v.reasons.insert(v.reasons.begin(), fmt::format("{}: {}", what, escape_guest_line(o.detail)));
    if (!o.console_tail.empty())
      v.reasons.push_back("console tail:\n" + quote_guest_block(o.console_tail));
    return v;
  }
  if (o.booted.is_object() && o.booted.contains("topology")) {
    try {
      ObservedTopology seen = o.booted["topology"].get<ObservedTopology>();
      std::string diff = check_topology ? compare_topology(declared, seen) : "";
      if (!diff.empty()) v.reasons.push_back("topology mismatch: " + escape_guest_line(diff));
    } catch (const std::exception& e) {
      v.reasons.push_back("garbled booted frame: " + escape_guest_line(e.what()));
    }
  } else {
    v.reasons.push_back("the agent did not report its topology");
  }
  if (!o.result.is_object()) {
    v.reasons.push_back("the agent sent no result");
    return v;
  }
  const std::string verdict = o.result.value("verdict", "");
  if (o.result.contains("details") && o.result["details"].is_array()) {
    for (const auto& d : o.result["details"])
      if (d.is_string() && verdict != "pass")
        v.reasons.push_back(quote_guest_block(d.get<std::string>()));
  }
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

}  // namespace

Verdict judge(const VmOutcome& outcome, const TopologySpec& declared, bool expect_err,
              bool check_topology) {
  Verdict v = judge_run(outcome, declared, check_topology);
  if (outcome.reason == VmExitReason::kInterrupted) return v;
  if (!expect_err || v.kind == Verdict::Kind::kSkip) return v;
  if (v.kind == Verdict::Kind::kPass) {
    v.kind = Verdict::Kind::kFail;
    v.reasons = {"expect_err is set but the run succeeded"};
  } else {
    v.kind = Verdict::Kind::kPass;
    v.reasons.insert(v.reasons.begin(), "failed as expected (expect_err)");
  }
  return v;
}

std::string scx_error_text(const VmOutcome& o) {
  std::string text;
  if (o.result.is_object() && o.result.contains("data") && o.result["data"].is_object() &&
      o.result["data"].contains("scheduler") && o.result["data"]["scheduler"].is_object()) {
    text = o.result["data"]["scheduler"].value("error_text", "");
  }
  if (text.empty() && o.result.is_object() && o.result.contains("details") &&
      o.result["details"].is_array()) {
    for (const auto& d : o.result["details"])
      if (d.is_string()) text += d.get<std::string>() + "\n";
  }
  for (const auto& f : o.findings)
    if (f.line.find("sched_ext") != std::string::npos) text += "\nconsole: " + f.line;
  return text;
}

void check_scx_error_expectation(Verdict& v, const VmOutcome& outcome, const std::string& contains,
                                 const std::string& matches) {
  if (v.kind != Verdict::Kind::kPass || (contains.empty() && matches.empty())) return;
  const std::string text = scx_error_text(outcome);
  std::vector<std::string> missing;
  if (!contains.empty() && text.find(contains) == std::string::npos)
    missing.push_back(fmt::format("expect_scx_bpf_error_contains = \"{}\"", contains));
  if (!matches.empty()) {
    bool found = false;
    try {
      std::regex re(matches);
      // Whole text only when short (libstdc++'s matcher recurses per character).
      if (text.size() < 4000) found = std::regex_search(text, re);
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
  reasons.push_back("seen:\n" + quote_guest_block(seen));
  v.reasons = std::move(reasons);
}

}  // namespace ktstr
