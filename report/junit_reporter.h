// --reporter junit=PATH and the run directory's junit.xml: JUnit XML as
// GitLab, Jenkins and GitHub's test-report actions read it (validated
// against tests/data/junit/junit.xsd, parsed by xml.etree and junitparser in
// tests/report/). One <testsuite> per kernel (named by its label; "host"
// for instances of no kernel), one <testcase> per instance (name the
// display name, classname the name's first component: "ktstr"). FAIL and
// INCONCLUSIVE are <failure type="FAIL|INCONCLUSIVE">, SKIP <skipped>,
// NOT-RUN <skipped message="not run: ...">; FLAKY passes, with each failed
// attempt as a <flakyFailure> (as Maven Surefire does) and a "flaky"
// property. Guest text is escaped; characters XML 1.0 cannot hold (and DEL,
// C1) are written as visible \xNN / \u{NNNN} text (docs/reports.md).
#pragma once

#include <filesystem>
#include <string>

#include "report/run_events.h"

namespace ktstr {

/// The run as a JUnit XML document (hostname: info.hostname, else this host's).
std::string junit_xml(const RunInfo& info, const RunSummary& summary);

/// Writes junit_xml() to `path` at the end of the run (atomically).
class JunitReporter : public RunListener {
 public:
  explicit JunitReporter(std::filesystem::path path) : path_(std::move(path)) {}
  void run_started(const RunInfo& info, const Plan& plan) override;
  void run_finished(const RunSummary& summary) override;
  /// The write error, or "".
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path path_;
  RunInfo info_;
  std::string error_;
};

}  // namespace ktstr
