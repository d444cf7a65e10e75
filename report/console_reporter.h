// The console: on a terminal one live status line (done/total, the running
// names, pass/fail counts, ETA) redrawn in place above which each finished
// test's block appears; on a pipe plain lines, one whole block per finished
// test (print_verdict), never interleaved. Colour only on a TTY and never
// with NO_COLOR set. The run ends with the counts and the run directory.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "report/run_events.h"

namespace ktstr {

/// How the console reporter writes.
struct ConsoleStyle {
  bool live = false;     ///< redraw a status line (a TTY)
  bool colour = false;   ///< ANSI colours (a TTY without NO_COLOR)
  bool verbose = false;  ///< -v: every verdict's reasons, table, notes
  /// The style for `fd` and the environment: live and colour on a TTY,
  /// colour off when NO_COLOR is set (any value) or TERM=dumb.
  static ConsoleStyle detect(int fd, bool verbose);
};

/// Prints the run to `out`.
class ConsoleReporter : public RunListener {
 public:
  ConsoleReporter(std::ostream& out, ConsoleStyle style) : out_(out), style_(style) {}
  void run_started(const RunInfo& info, const Plan& plan) override;
  void test_started(const TestInstance& instance) override;
  void test_retrying(const TestInstance& instance, int attempt, const Verdict& failed) override;
  void test_finished(const TestOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;

 private:
  std::ostream& out_;
  ConsoleStyle style_;
  RunInfo info_;
  size_t total_ = 0;
  StatusCounts counts_;
  std::vector<std::string> running_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ktstr
