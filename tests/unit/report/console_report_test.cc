#include "report/console_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "eval/guest_text.h"

namespace ktstr {
namespace {

std::string printed(Verdict::Kind kind, const std::vector<std::string>& reasons, bool show = true) {
  std::ostringstream out;
  print_test_verdict(out, "ktstr/t", kind, 1.25, reasons, show);
  return out.str();
}

TEST(ConsoleReport, VerdictLineThenIndentedReasons) {
  EXPECT_EQ(printed(Verdict::Kind::kFail, {"scenario fail", "console tail:\n| a\n| b"}),
            "FAIL ktstr/t 1.2s\n    scenario fail\n    console tail:\n    | a\n    | b\n");
  EXPECT_EQ(printed(Verdict::Kind::kPass, {"hidden"}, false), "PASS ktstr/t 1.2s\n");
}

TEST(ConsoleReport, NoReasonStartsALineOrCarriesAControlCharacter) {
  // Even a reason that quoted nothing (a bug elsewhere) cannot forge a verdict line.
  const std::string out =
      printed(Verdict::Kind::kFail, {"x\nPASS ktstr/fake 0.1s", "\x1b]0;owned\x07\r\x1b[31m",
                                     quote_guest_block("first\nPASS ktstr/fake 0.1s")});
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "FAIL ktstr/t 1.2s");
  while (std::getline(lines, line)) EXPECT_TRUE(line.starts_with("    ")) << line;
  for (char c : out) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << out;
  EXPECT_NE(out.find("    \\x1b]0;owned\\x07\\r\\x1b[31m\n"), std::string::npos) << out;
  EXPECT_NE(out.find("    | PASS ktstr/fake 0.1s\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

Verdict failed_with_table() {
  Verdict v;
  v.kind = Verdict::Kind::kFail;
  v.reasons = {"max_gap_ms: cgroup 'cg_0': worker 1's longest gap 812.0 ms > max_gap_ms = 500"};
  v.table = {{"cg_0", 2, "0-1", 31.25, 812.0, 14, 123456, 120.5},
             {"long_cgroup_name", 1, "", -1, 50.0, 0, 7, -1}};
  v.details = {"| plugin said hi"};
  v.notes = {"max_spread_pct: cgroup 'long_cgroup_name': 1 worker, no spread to compute"};
  return v;
}

std::string shown(const Verdict& v, bool verbose, const std::string& change = "") {
  std::ostringstream out;
  print_verdict(out, "ktstr/t", v, 2.5, {.verbose = verbose, .change = change});
  return out.str();
}

TEST(CgroupTable, AlignedColumnsWithADashWhereNothingWasMeasured) {
  EXPECT_EQ(
      format_cgroup_table(failed_with_table().table),
      "    cgroup            workers  cpus  spread  worst gap  migrations  iterations  p99 wake\n"
      "    cg_0                    2  0-1    31.2%    812.0ms          14      123456   120.5us\n"
      "    long_cgroup_name        1  -          -     50.0ms           0           7         -\n");
  EXPECT_EQ(format_cgroup_table({}), "");
}

TEST(CgroupTable, GuestNamesAreEscapedAndCannotBreakTheTable) {
  const std::string t = format_cgroup_table({{"cg\n\x1b[31mPASS ktstr/x", 1, "0", 1, 1, 0, 0, -1}});
  EXPECT_NE(t.find("cg\\n\\x1b[31mPASS ktstr/x"), std::string::npos) << t;
  std::istringstream lines(t);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(line.starts_with("    ")) << line;
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(PrintVerdict, AFailShowsItsReasonsThenTheTable) {
  EXPECT_EQ(shown(failed_with_table(), false),
            "FAIL ktstr/t 2.5s\n"
            "    max_gap_ms: cgroup 'cg_0': worker 1's longest gap 812.0 ms > max_gap_ms = 500\n" +
                format_cgroup_table(failed_with_table().table));
}

TEST(PrintVerdict, APassIsOneLineUnlessVerbose) {
  Verdict v = failed_with_table();
  v.kind = Verdict::Kind::kPass;
  v.reasons.clear();
  EXPECT_EQ(shown(v, false), "PASS ktstr/t 2.5s\n");
  EXPECT_EQ(shown(v, true), "PASS ktstr/t 2.5s\n" + format_cgroup_table(v.table) +
                                "    note: max_spread_pct: cgroup 'long_cgroup_name': 1 worker, "
                                "no spread to compute\n"
                                "    detail:\n"
                                "    | plugin said hi\n");
}

TEST(PrintVerdict, AFailsDetailsAreNotRepeatedUnderVerbose) {
  // A failing scenario's details are among its reasons already (evaluate()).
  EXPECT_EQ(shown(failed_with_table(), true).find("detail:"), std::string::npos);
}

TEST(PrintVerdict, TheChangeMarkFollowsTheTime) {
  Verdict v;
  v.kind = Verdict::Kind::kPass;
  EXPECT_EQ(shown(v, false, "FAIL → PASS"), "PASS ktstr/t 2.5s  (FAIL → PASS)\n");
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

std::string verdict_printed(Verdict::Kind kind, bool verbose) {
  Verdict v;
  v.kind = kind;
  v.reasons = {"scheduler 's': scx_bpf_error"};
  v.failure_dump =
      "failure dump (captured at exit; 1 map, 0 struct_ops programs):\n"
      "map .bss (array, 1 entry):\n| nr_enqueued = 14";
  std::ostringstream out;
  VerdictStyle style;
  style.verbose = verbose;
  print_verdict(out, "ktstr/t", v, 1.25, style);
  return out.str();
}

TEST(ConsoleReport, TheFailureDumpFollowsTheReasonsOnlyWhenNotPassed) {
  EXPECT_EQ(verdict_printed(Verdict::Kind::kFail, false),
            "FAIL ktstr/t 1.2s\n    scheduler 's': scx_bpf_error\n"
            "    failure dump (captured at exit; 1 map, 0 struct_ops programs):\n"
            "    map .bss (array, 1 entry):\n    | nr_enqueued = 14\n");
  // A PASS (an expected error, or a scheduler that ended well) hides it, even with -v.
  EXPECT_EQ(verdict_printed(Verdict::Kind::kPass, true).find("failure dump"), std::string::npos);
}

}  // namespace
}  // namespace ktstr
