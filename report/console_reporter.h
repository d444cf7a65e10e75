// The console: on a terminal one live status line (done/total, the running
// names, pass/fail counts, ETA) redrawn in place above which each finished
// test's block appears; on a pipe plain lines, one whole block per finished
// test (print_verdict), never interleaved. Colour only on a TTY, never with
// a non-empty NO_COLOR (no-color.org) or TERM=dumb. The run ends with the
// counts and the run directory (docs/reports.md).
#pragma once

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "report/run_events.h"

namespace ktstr {

/// How the console reporter writes.
struct ConsoleStyle {
  bool live = false;     ///< redraw a status line (a TTY whose TERM is not "dumb")
  bool colour = false;   ///< ANSI colours (a TTY without NO_COLOR)
  bool verbose = false;  ///< -v: every verdict's reasons, table, notes
  int width = 80;        ///< terminal columns; the status line stays shorter
  int width_fd = -1;     ///< when >= 0, `width` is asked again (TIOCGWINSZ) at each redraw
  /// The style for `fd` and the environment: live and colour on a TTY,
  /// colour off when NO_COLOR is set to a non-empty value (no-color.org: an
  /// empty NO_COLOR does not count), live and colour off when TERM=dumb;
  /// width from TIOCGWINSZ (80 when unknown).
  static ConsoleStyle detect(int fd, bool verbose);
};

/// Prints the run to `out`: every write is one whole string (a block, or a
/// block and the redrawn status line), under a lock, so nothing interleaves.
class ConsoleReporter : public RunListener {
 public:
  ConsoleReporter(std::ostream& out, ConsoleStyle style) : out_(out), style_(style) {}
  void run_started(const RunInfo& info, const Plan& plan) override;
  void test_started(const TestInstance& instance) override;
  void test_retrying(const TestInstance& instance, int attempt, const Verdict& failed) override;
  void test_finished(const TestOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;

  /// The live status line (no "\r", no newline), at most `width - 1`
  /// columns: "[3/12] 1 running: ktstr/foo | 2 passed, 1 failed | ETA 0:42".
  std::string status_line() const;

 private:
  void write(const std::string& text);
  std::string redraw() const;  // "\r\x1b[K" + status_line(), or "" off a TTY

  std::ostream& out_;
  ConsoleStyle style_;
  RunInfo info_;
  size_t total_ = 0;
  StatusCounts counts_;
  // (key, escaped display name) of the running instances, in start order.
  std::vector<std::pair<std::string, std::string>> running_;
  double finished_seconds_ = 0;  // of the outcomes that ran, for the ETA
  int finished_ran_ = 0;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
};

}  // namespace ktstr
