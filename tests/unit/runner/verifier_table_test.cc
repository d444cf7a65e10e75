// The verifier sweep's report as a user reads it: the table, the warning
// near the 1M limit (and none just below it), a failed load's log, guest
// text escaped, and the comparison with a baseline.
#include "runner/verifier_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

VerifierLoad load(const std::string& sched, std::vector<ProgramCount> programs,
                  const std::string& profile = "") {
  VerifierLoad l;
  l.scheduler = sched;
  l.profile = profile;
  l.instance = "ktstr/verifier." + sched + (profile.empty() ? "" : "/" + profile);
  l.status = "PASS";
  l.attached = true;
  l.programs_recorded = true;
  l.programs = std::move(programs);
  return l;
}

VerifierLoad failed_load() {
  VerifierLoad l;
  l.scheduler = "bad";
  l.instance = "ktstr/verifier.bad";
  l.status = "FAIL";
  l.reasons = {"scenario fail", "| scheduler output (tail):\n| ..."};
  l.exit_reason = "scheduler 'bad' did not attach: the process exited with status 1";
  l.output_tail =
      "libbpf: prog 'bad_dispatch': BPF program load failed: Permission denied\n"
      "-- BEGIN PROG LOAD LOG --\n"
      "0: R1=ctx() R10=fp0  [repeated 30 times]\n"
      "\x1b[31mR2 invalid mem access 'scalar'\n"
      "-- END PROG LOAD LOG --\n";
  return l;
}

TEST(VerifierTable, OneRowPerProgramWithItsShareOfTheLimit) {
  const auto r = format_verifier_report(
      {load("llc_fifo", {{"llc_fifo_enqueue", 412}, {"llc_fifo_dispatch", 25000}}),
       load("llc_fifo", {{"llc_fifo_enqueue", 500}}, "llc+steal")},
      nullptr);
  EXPECT_THAT(r.text, HasSubstr("scheduler  profile    program            verified insns  "
                                "% of 1M limit\n"));
  EXPECT_THAT(r.text, HasSubstr("llc_fifo   -          llc_fifo_enqueue              412"
                                "           0.0%\n"));
  EXPECT_THAT(r.text, HasSubstr("llc_fifo   -          llc_fifo_dispatch           25000"
                                "           2.5%\n"));
  EXPECT_THAT(r.text, HasSubstr("llc_fifo   llc+steal  llc_fifo_enqueue              500"));
  EXPECT_THAT(r.text, HasSubstr("verifier: 2 loads, 0 failed; 3 programs, 0 at or above 90% of "
                                "the limit\n"));
  EXPECT_EQ(r.failed_loads, 0);
  EXPECT_EQ(r.near_limit, 0);
  EXPECT_THAT(r.text, Not(HasSubstr("warning")));
}

TEST(VerifierTable, WarnsFromNinetyPercentOfTheLimitOn) {
  const auto r = format_verifier_report(
      {load("big", {{"big_dispatch", 900000}, {"big_enqueue", 899999}, {"big_init", 1000000}})},
      nullptr);
  EXPECT_EQ(r.near_limit, 2);
  EXPECT_THAT(r.text, HasSubstr("ktstr-run: warning: big, program big_dispatch: 900000 verified "
                                "instructions are 90.0% of the verifier's limit of 1000000 "
                                "(BPF_COMPLEXITY_LIMIT_INSNS); the warning starts at 90%\n"));
  EXPECT_THAT(r.text, HasSubstr("program big_init: 1000000 verified instructions are 100.0%"));
  EXPECT_THAT(r.text, Not(HasSubstr("program big_enqueue:")));
}

TEST(VerifierTable, AWarningNamesTheProfile) {
  const auto r = format_verifier_report({load("s", {{"p", 950000}}, "llc")}, nullptr);
  EXPECT_THAT(r.text, HasSubstr("warning: s (profile llc), program p: 950000"));
}

TEST(VerifierTable, AFailedLoadShowsWhyAndItsLogQuoted) {
  const auto r = format_verifier_report({failed_load()}, nullptr);
  EXPECT_EQ(r.failed_loads, 1);
  EXPECT_THAT(r.text, HasSubstr("bad        -        (did not load)"));
  EXPECT_THAT(r.text,
              HasSubstr("\nload failed: ktstr/verifier.bad (FAIL; it did not attach)\n"
                        "    scheduler 'bad' did not attach: the process exited with status 1\n"
                        "    its log, the scheduler's output (the tail, repeated lines "
                        "collapsed):\n"
                        "    | libbpf: prog 'bad_dispatch': BPF program load failed: Permission "
                        "denied\n"
                        "    | -- BEGIN PROG LOAD LOG --\n"
                        "    | 0: R1=ctx() R10=fp0  [repeated 30 times]\n"
                        "    | \\x1b[31mR2 invalid mem access 'scalar'\n"
                        "    | -- END PROG LOAD LOG --\n"));
  EXPECT_EQ(r.text.find('\x1b'), std::string::npos);
  EXPECT_THAT(r.text, HasSubstr("verifier: 1 load, 1 failed; 0 programs"));
}

TEST(VerifierTable, WithoutTheAgentsReasonTheVerdictsFirstLineIsShown) {
  VerifierLoad l = failed_load();
  l.exit_reason.clear();
  l.output_tail.clear();
  const auto r = format_verifier_report({l}, nullptr);
  EXPECT_THAT(r.text, HasSubstr("it did not attach)\n    scenario fail\n    the scheduler printed "
                                "nothing\n"));
}

TEST(VerifierTable, GuestNamesAreEscapedAndCut) {
  VerifierLoad l = load("s", {{"evil\x1b]0;title\x07" + std::string(100, 'n'), 1}, {"q", {}}});
  l.problems = {"program 'q': verified_insns is missing"};
  const auto r = format_verifier_report({l}, nullptr);
  EXPECT_EQ(r.text.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.text.find('\x07'), std::string::npos);
  EXPECT_THAT(r.text, HasSubstr("evil\\x1b]0;title\\x07nnn"));
  EXPECT_THAT(r.text, HasSubstr("...  "));  // cut at 64 characters
  EXPECT_THAT(r.text, HasSubstr(" q   "));
  EXPECT_THAT(r.text, HasSubstr("   ?              ?\n"));
  EXPECT_THAT(r.text, HasSubstr("ktstr-run: note: ktstr/verifier.s: result.json: program 'q': "
                                "verified_insns is missing\n"));
}

TEST(VerifierTable, LoadsWithoutProgramRowsSayWhy) {
  VerifierLoad none = load("a", {});
  VerifierLoad old_agent = load("b", {});
  old_agent.programs_recorded = false;
  const auto r = format_verifier_report({none, old_agent}, nullptr);
  EXPECT_THAT(r.text, HasSubstr("a          -        (no struct_ops programs recorded)"));
  EXPECT_THAT(r.text, HasSubstr("b          -        (no counts: the agent recorded none)"));
}

TEST(VerifierTable, ABaselineAddsItsCountAndTheChange) {
  const VerifierBaseline b = make_verifier_baseline(
      {load("s", {{"grew", 1000}, {"same", 50}, {"shrank", 200}, {"gone", 7}, {"unknown", {}}})},
      "20261201-220000-1-abcd");
  EXPECT_EQ(b.counts.size(), 4u);  // a program without a count has none to compare
  const auto r = format_verifier_report(
      {load("s", {{"grew", 1100}, {"same", 50}, {"shrank", 150}, {"new", 3}})}, &b);
  EXPECT_THAT(r.text, HasSubstr("; baseline: run 20261201-220000-1-abcd\n"));
  EXPECT_THAT(r.text, HasSubstr("% of 1M limit  baseline  change\n"));
  EXPECT_THAT(r.text,
              HasSubstr("grew               1100           0.1%      1000  +100 (+10.0%)\n"));
  EXPECT_THAT(r.text, HasSubstr("same                 50           0.0%        50  =\n"));
  EXPECT_THAT(r.text,
              HasSubstr("shrank              150           0.0%       200  -50 (-25.0%)\n"));
  EXPECT_THAT(r.text, HasSubstr("new                   3           0.0%         -  new\n"));
  EXPECT_THAT(r.text, HasSubstr("gone                  -              -         7  gone\n"));
  EXPECT_THAT(r.text, HasSubstr("; 1 grew, 1 shrank since the baseline\n"));
}

TEST(VerifierTable, AFailedLoadIsNotReportedAsProgramsGone) {
  const VerifierBaseline b = make_verifier_baseline({load("bad", {{"p", 10}})}, "old");
  const auto r = format_verifier_report({failed_load()}, &b);
  EXPECT_THAT(r.text, Not(HasSubstr("gone")));
  EXPECT_THAT(r.text, HasSubstr("(did not load)"));
}

}  // namespace
}  // namespace ktstr
