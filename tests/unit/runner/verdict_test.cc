#include "runner/verdict.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

VmOutcome done_with(const std::string& verdict, std::vector<std::string> details) {
  VmOutcome o;
  o.reason = VmExitReason::kDone;
  o.done = true;
  o.result = {{"type", "result"}, {"verdict", verdict}, {"details", details}};
  return o;
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
  VmOutcome o;
  o.reason = VmExitReason::kPanic;
  o.detail = "kernel panic: x\x1b[2J";
  o.console_tail = "\xff\nPASS ktstr/fake 0.1s\n";
  o.findings.push_back(
      ConsoleFinding{FindingKind::kBug, "BUG: \x1b]0;t\x07", "\x1b]0;t\x07", 3, true});
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, false);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  ASSERT_EQ(v.reasons.size(), 3u);
  EXPECT_EQ(v.reasons[0], "panic: kernel panic: x\\x1b[2J");
  EXPECT_EQ(v.reasons[1], "console: BUG: \\x1b]0;t\\x07 (\\x1b]0;t\\x07)");
  EXPECT_EQ(v.reasons[2], "console tail:\n| \xEF\xBF\xBD\n| PASS ktstr/fake 0.1s");
}

TEST(Verdict, TheSeenSchedulerErrorIsQuoted) {
  VmOutcome o = done_with("fail", {"scheduler output (tail):\nerror\nPASS ktstr/fake 0.1s"});
  Verdict v = judge(o, TopologySpec{1, 1, 1, 1}, true);
  ASSERT_EQ(v.kind, Verdict::Kind::kPass);
  check_scx_error_expectation(v, o, "not in the text", "");
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reasons.back(), "seen:\n| scheduler output (tail):\n| error\n| PASS ktstr/fake 0.1s");
}

// std::regex recurses per character: a guest line of a few MB matched whole
// overflowed the stack. Only a capped prefix of each line is matched.
TEST(Verdict, AHugeSchedulerErrorLineDoesNotCrashTheMatcher) {
  VmOutcome o = done_with("fail", {"EXIT: " + std::string(4 << 20, 'x') + " tail"});
  Verdict v;
  v.kind = Verdict::Kind::kPass;  // failed as expected (expect_err)
  check_scx_error_expectation(v, o, "", "EXIT: x+");
  EXPECT_EQ(v.kind, Verdict::Kind::kPass);
  v.kind = Verdict::Kind::kPass;
  check_scx_error_expectation(v, o, "", "no such text");
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
}

}  // namespace
}  // namespace ktstr
