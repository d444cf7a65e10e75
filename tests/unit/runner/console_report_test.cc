#include "runner/console_report.h"

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
