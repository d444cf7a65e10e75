#include "report/junit_reporter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "guest/protocol/valid_utf8.h"
#include "tests/report/sample_run.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

// The <testcase ...> element whose name starts with `name`, through its end tag.
std::string testcase(const std::string& xml, const std::string& name) {
  const size_t start = xml.find("<testcase name=\"" + name);
  if (start == std::string::npos) return "";
  return xml.substr(start, xml.find("</testcase>", start) + 11 - start);
}

TEST(JunitXml, EachStatusMapsToItsElement) {
  SampleRun run;
  const std::string xml = junit_xml(run.info, run.summary);
  EXPECT_EQ(testcase(xml, "ktstr/pass/").find("<failure"), std::string::npos);
  EXPECT_EQ(testcase(xml, "ktstr/pass/").find("<skipped"), std::string::npos);
  EXPECT_NE(testcase(xml, "ktstr/fail/").find("type=\"FAIL\">scenario failed: "),
            std::string::npos);
  EXPECT_NE(testcase(xml, "ktstr/inconclusive/")
                .find("<failure message=\"max_spread_pct: no samples\" type=\"INCONCLUSIVE\">"),
            std::string::npos);
  EXPECT_NE(testcase(xml, "ktstr/skip/")
                .find("<skipped message=\"kernel lacks CONFIG_SCHED_CLASS_EXT\"/>"),
            std::string::npos);
  EXPECT_NE(testcase(xml, "ktstr/replicated/kernel_6_12_117_scx (replica 2/2) (run 1/3)\"")
                .find("<skipped message=\"not run: interrupted\"/>"),
            std::string::npos);
  const std::string flaky = testcase(xml, "ktstr/flaky/");
  EXPECT_EQ(flaky.find("<failure"), std::string::npos) << flaky;
  EXPECT_NE(flaky.find("<property name=\"flaky\" value=\"true\"/>"), std::string::npos);
  EXPECT_NE(flaky.find("<flakyFailure message=\"attempt 1/2 (3.0s): max_gap_ms: 812.0 ms &gt; "
                       "500\" type=\"FAIL\">"),
            std::string::npos)
      << flaky;
}

TEST(JunitXml, OneSuitePerKernelWithItsCounts) {
  SampleRun run;
  const std::string xml = junit_xml(run.info, run.summary);
  EXPECT_NE(xml.find("<testsuites name=\"ktstr-run\" tests=\"7\" failures=\"3\" errors=\"0\" "
                     "skipped=\"2\" time=\"9.750\" timestamp=\"2026-12-01T17:30:00Z\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"6.12.117-cloud\" tests=\"4\" failures=\"3\" errors=\"0\" "
                     "skipped=\"0\" time=\"8.250\" timestamp=\"2026-12-01T17:30:00Z\" "
                     "hostname=\"ci-host\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"6.12.117-scx\" tests=\"3\" failures=\"0\" errors=\"0\" "
                     "skipped=\"2\""),
            std::string::npos);
}

TEST(JunitXml, AHostOnlyRunIsTheSuiteHost) {
  SampleRun run;
  run.info.kernels.clear();
  const std::string xml = junit_xml(run.info, run.summary);
  EXPECT_NE(xml.find("<testsuite name=\"host\" tests=\"7\""), std::string::npos) << xml;
}

TEST(JunitXml, GuestTextCannotBreakTheDocument) {
  SampleRun run;
  const std::string xml = junit_xml(run.info, run.summary);
  EXPECT_TRUE(is_valid_utf8(xml));
  for (char c : xml) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n') << "raw control character " << int(u);
  }
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  EXPECT_EQ(xml.find("<&>"), std::string::npos);
  EXPECT_EQ(xml.find("\xc2\x85"), std::string::npos);  // C1 NEL, shown as \u{0085}
  EXPECT_NE(xml.find("\\x01\\x1b[31mred\\x07 ]]&gt; &lt;&amp;&gt; &quot;q&quot;"),
            std::string::npos);
  EXPECT_NE(xml.find("\xEF\xBF\xBD bad&#13;&#10;PASS ktstr/fake"), std::string::npos);
  EXPECT_NE(xml.find("\\x7f\\u{0085}"), std::string::npos);
  // The forged verdict line sits inside an attribute or a text node, not as markup.
  EXPECT_EQ(xml.find("\nPASS ktstr/fake"), xml.find("\nPASS ktstr/fake 0.1s\\x7f"));
}

TEST(JunitReporter, WritesTheFileAtTheEndAndReportsAWriteError) {
  const fs::path dir = fs::temp_directory_path() / ("ktstr_junit_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  SampleRun run;
  JunitReporter ok(dir / "junit.xml");
  ok.run_started(run.info, run.plan);
  ok.run_finished(run.summary);
  EXPECT_EQ(ok.error(), "");
  std::ifstream in(dir / "junit.xml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), junit_xml(run.info, run.summary));
  JunitReporter bad(dir / "no" / "junit.xml");
  bad.run_started(run.info, run.plan);
  bad.run_finished(run.summary);
  EXPECT_EQ(bad.error(),
            "write " + (dir / "no" / "junit.xml").string() + ": No such file or directory");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ktstr
