#include "runner/verdict.h"

#include <fmt/format.h>

#include "guest/protocol/observed_topology.h"

namespace ktstr {

const char* Verdict::name(Kind k) {
  switch (k) {
    case Kind::kPass: return "PASS";
    case Kind::kFail: return "FAIL";
    case Kind::kSkip: return "SKIP";
    case Kind::kInconclusive: return "INCONCLUSIVE";
  }
  return "?";
}

namespace {

Verdict judge_run(const VmOutcome& o, const TopologySpec& declared) {
  Verdict v;
  for (const auto& f : o.findings) {
    if (!f.fatal) continue;
    v.reasons.push_back(fmt::format("console: {}{}", f.line, f.detail.empty() ? "" : " (" + f.detail + ")"));
  }
  if (!o.completed()) {
    std::string what = std::string(to_string(o.reason));
    if (o.reason == VmExitReason::kAgentDied) what = "agent died";
    v.reasons.insert(v.reasons.begin(), fmt::format("{}: {}", what, o.detail));
    if (!o.console_tail.empty()) v.reasons.push_back("console tail:\n" + o.console_tail);
    return v;
  }
  if (o.booted.is_object() && o.booted.contains("topology")) {
    try {
      ObservedTopology seen = o.booted["topology"].get<ObservedTopology>();
      std::string diff = compare_topology(declared, seen);
      if (!diff.empty()) v.reasons.push_back("topology mismatch: " + diff);
    } catch (const std::exception& e) {
      v.reasons.push_back(std::string("garbled booted frame: ") + e.what());
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
      if (d.is_string() && verdict != "pass") v.reasons.push_back(d.get<std::string>());
  }
  if (verdict == "skip") {
    v.kind = Verdict::Kind::kSkip;
    return v;
  }
  if (verdict != "pass" && v.reasons.empty()) v.reasons.push_back("scenario verdict: " + verdict);
  if (verdict != "pass") v.reasons.insert(v.reasons.begin(), "scenario " + verdict);
  if (v.reasons.empty()) v.kind = Verdict::Kind::kPass;
  return v;
}

}  // namespace

Verdict judge(const VmOutcome& outcome, const TopologySpec& declared, bool expect_err) {
  Verdict v = judge_run(outcome, declared);
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

}  // namespace ktstr
