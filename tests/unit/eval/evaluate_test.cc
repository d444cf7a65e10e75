// evaluate() over hand-built run records: how a run ended, expect_err,
// expect_scx_bpf_error_* and cleanup_budget_ms (the [checks] over telemetry
// are in telemetry_checks_test.cc).
#include "eval/evaluate.h"
#include "guest/protocol/worker_report.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

RunRecord done_with(const std::string& verdict, std::vector<std::string> details) {
  RunRecord r;
  r.exit_reason = "done";
  r.declared = TopologySpec{1, 1, 1, 1};
  r.result = {{"type", "result"}, {"verdict", verdict}, {"details", details}};
  r.result["data"]["telemetry"] = ScenarioTelemetry{};  // every agent sends one
  return r;
}

/// A completed run that reported a topology (not compared: check_topology off).
RunRecord reported(RunRecord r) {
  r.check_topology = false;
  r.booted = {{"topology",
               {{"cpus", 1}, {"llc_groups", {{0}}}, {"smt_groups", {{0}}}, {"numa_nodes", {{0}}}}}};
  return r;
}

Verdict judge(RunRecord r, const TopologySpec& declared, bool expect_err) {
  r.declared = declared;
  r.expect_err = expect_err;
  return evaluate(r, Checks{});
}

TEST(Verdict, GuestDetailsAreQuotedBlocks) {
  Verdict v = judge(done_with("fail", {"first\nPASS ktstr/fake 0.1s", "\x1b[31mred\r"}),
                    TopologySpec{1, 1, 1, 1}, false);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 4u);
  EXPECT_EQ(v.reasons[0], "scenario fail");
  // reasons[1] is "the agent did not report its topology" (no booted frame).
  EXPECT_EQ(v.reasons[2], "| first\n| PASS ktstr/fake 0.1s");
  EXPECT_EQ(v.reasons[3], "| \\x1b[31mred\\r");
}

TEST(Verdict, AGuestVerdictWordIsEscaped) {
  Verdict v = judge(done_with("nope\nPASS ktstr/fake 0.1s", {}), TopologySpec{1, 1, 1, 1}, false);
  EXPECT_EQ(v.reasons.front(), "scenario nope\\nPASS ktstr/fake 0.1s");
}

TEST(Verdict, ConsoleLinesAndTailAreQuoted) {
  RunRecord o;
  o.exit_reason = "panic";
  o.exit_detail = "kernel panic: x\x1b[2J";
  o.console_tail = "\xff\nPASS ktstr/fake 0.1s\n";
  o.findings.push_back(ConsoleNote{"BUG: \x1b]0;t\x07", "\x1b]0;t\x07", true});
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, false);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 3u);
  EXPECT_EQ(v.reasons[0], "panic: kernel panic: x\\x1b[2J");
  EXPECT_EQ(v.reasons[1], "console: BUG: \\x1b]0;t\\x07 (\\x1b]0;t\\x07)");
  EXPECT_EQ(v.reasons[2], "console tail:\n| \xEF\xBF\xBD\n| PASS ktstr/fake 0.1s");
}

TEST(Verdict, TheSeenSchedulerErrorIsQuoted) {
  RunRecord o = done_with("fail", {"scheduler output (tail):\nerror\nPASS ktstr/fake 0.1s"});
  ASSERT_EQ(judge(o, TopologySpec{1, 1, 1, 1}, true).kind, Verdict::Kind::kPass);
  o.expect_scx_bpf_error_contains = "not in the text";
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, true);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons.front(),
            "the run failed, but not with the expected sched_ext error: "
            "expect_scx_bpf_error_contains = \"not in the text\" not found");
  EXPECT_EQ(v.reasons.back(), "seen:\n| scheduler output (tail):\n| error\n| PASS ktstr/fake 0.1s");
}

// std::regex recurses per character: a guest line of a few MB matched whole
// overflowed the stack. Only a capped prefix of each line is matched.
TEST(Verdict, AHugeSchedulerErrorLineDoesNotCrashTheMatcher) {
  RunRecord o = done_with("fail", {"EXIT: " + std::string(4 << 20, 'x') + " tail"});
  o.expect_scx_bpf_error_matches = "EXIT: x+";
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, true);  // failed as expected (expect_err)
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_EQ(v.reasons[1], "the scheduler's error matches the expectation");
  o.expect_scx_bpf_error_matches = "no such text";
  EXPECT_EQ(judge(o, TopologySpec{1, 1, 1, 1}, true).kind, Verdict::Kind::kFail);
}

TEST(Verdict, ExpectErrInvertsTheOutcomeButNotASkip) {
  Verdict v = judge(reported(done_with("pass", {})), TopologySpec{1, 1, 1, 1}, true);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons, std::vector<std::string>{"expect_err is set but the run succeeded"});
  v = judge(done_with("fail", {"boom"}), TopologySpec{1, 1, 1, 1}, true);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_EQ(v.reasons.front(), "failed as expected (expect_err)");
  EXPECT_EQ(judge(done_with("skip", {}), TopologySpec{1, 1, 1, 1}, true).kind,
            Verdict::Kind::kSkip);
}

TEST(Verdict, AnInterruptedRunIsNeitherInvertedNorBudgeted) {
  RunRecord r;
  r.exit_reason = "interrupted";
  r.exit_detail = "SIGINT";
  r.expect_err = true;
  r.teardown_ms = 1e6;
  Checks c;
  c.cleanup_budget_ms = {1.0, "t.toml:2"};
  Verdict v = evaluate(r, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons, std::vector<std::string>{"interrupted: SIGINT"});
}

TEST(Verdict, ATeardownOverTheBudgetFailsNamingWhereTheBudgetWasSet) {
  RunRecord r = done_with("pass", {});
  r.check_topology = false;
  r.booted = {{"topology",
               {{"cpus", 1}, {"llc_groups", {{0}}}, {"smt_groups", {{0}}}, {"numa_nodes", {{0}}}}}};
  r.teardown_ms = 812.4;
  Checks c;
  ASSERT_EQ(evaluate(r, c).kind, Verdict::Kind::kPass);
  c.cleanup_budget_ms = {500.0, "t.toml:4"};
  Verdict v = evaluate(r, c);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons,
            std::vector<std::string>{"cleanup_budget_ms: host-side VM teardown took 812.4 ms > "
                                     "cleanup_budget_ms = 500 (t.toml:4)"});
  c.cleanup_budget_ms = {812.4, "t.toml:4"};
  EXPECT_EQ(evaluate(r, c).kind, Verdict::Kind::kPass);  // at the budget is within it
}

TEST(Verdict, APassKeepsTheScenarioDetails) {
  RunRecord r = done_with("pass", {"plugin: 3 rounds\nall fine"});
  r.check_topology = false;
  r.booted = {{"topology",
               {{"cpus", 1}, {"llc_groups", {{0}}}, {"smt_groups", {{0}}}, {"numa_nodes", {{0}}}}}};
  Verdict v = evaluate(r, Checks{});
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  EXPECT_TRUE(v.reasons.empty());
  EXPECT_EQ(v.details, std::vector<std::string>{"| plugin: 3 rounds\n| all fine"});
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// expect_scx_bpf_error_* are about the kernel's exit message: it is matched,
// and a mismatch names it.
TEST(Verdict, ScxErrorExpectationMatchesTheExitMessageAndAMismatchNamesIt) {
  RunRecord o = done_with("fail", {"scheduler 's': the kernel disabled it"});
  o.result["data"]["scheduler"] = {{"error_text", "scx_bpf_error: scheduler 's' ..."},
                                   {"exit_message", "test triggering error"}};
  o.expect_scx_bpf_error_contains = "test triggering error";
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, true);
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  o.expect_scx_bpf_error_contains = "";
  o.expect_scx_bpf_error_matches = "^test trig+ering error$";
  EXPECT_EQ(judge(o, TopologySpec{1, 1, 1, 1}, true).kind, Verdict::Kind::kPass);
  o.expect_scx_bpf_error_matches = "runnable task stall";
  v = judge(o, TopologySpec{1, 1, 1, 1}, true);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_GE(v.reasons.size(), 3u);
  EXPECT_EQ(v.reasons[0],
            "the run failed, but not with the expected sched_ext error: "
            "expect_scx_bpf_error_matches = 'runnable task stall' not found");
  EXPECT_EQ(v.reasons[1], "the kernel's exit message: \"test triggering error\"");
  // A guest message is escaped: it cannot end the line.
  o.result["data"]["scheduler"]["exit_message"] = "x\nPASS ktstr/fake";
  EXPECT_EQ(judge(o, TopologySpec{1, 1, 1, 1}, true).reasons[1],
            "the kernel's exit message: \"x\\nPASS ktstr/fake\"");
}

TEST(Verdict, TheFailureDumpIsCarriedForTheConsole) {
  RunRecord o = done_with("fail", {"boom"});
  o.result["data"]["scheduler"] = {
      {"bpf",
       {{"captured_at", "end"},
        {"maps", {{{"name", ".bss"}, {"type", "array"}, {"entries", 1}, {"values", "x = 1"}}}}}}};
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, false);
  EXPECT_EQ(v.failure_dump,
            "failure dump (captured at end; 1 map, 0 struct_ops programs):\n"
            "map .bss (array, 1 entry):\n| x = 1");
}

}  // namespace
}  // namespace ktstr
