// --reporter junit=PATH and the run directory's junit.xml: JUnit XML as
// GitLab, Jenkins and GitHub's test-report actions read it (validated
// against tests/data/junit/junit.xsd). One <testsuite> per kernel, one
// <testcase> per instance (classname "ktstr", name the display name); FAIL
// and INCONCLUSIVE are <failure>, SKIP and NOT-RUN <skipped>, FLAKY passes
// with its failed attempts as <flakyFailure> (as Maven Surefire does) and
// a "flaky" property. Guest text is escaped, and characters XML 1.0 cannot
// hold are replaced.
#pragma once

#include <filesystem>
#include <string>

#include "report/run_events.h"

namespace ktstr {

/// The run as a JUnit XML document.
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
