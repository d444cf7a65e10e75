// The console's view of one finished test: the verdict line the runner
// writes, then its reasons, indented; under a FAIL (and, with -v, any
// verdict) the per-cgroup table of the telemetry, and with -v the notes and
// the scenario's detail lines. Reasons may quote guest text
// (eval/guest_text.h); each of their lines is escaped again here, so no
// reason can start a line of its own or reach the terminal with a control
// character in it. Table cells and details are guest text: escaped, and the
// details quoted as a "| " block.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "eval/evaluate.h"

namespace ktstr {

/// Prints "KIND NAME SECSs" and, when `show_reasons`, every line of every
/// reason indented by four spaces, control characters escaped.
void print_test_verdict(std::ostream& out, const std::string& name, Verdict::Kind kind, double secs,
                        const std::vector<std::string>& reasons, bool show_reasons);

/// How print_verdict() shows one verdict.
struct VerdictStyle {
  bool verbose = false;  ///< -v: reasons, table, notes and details for every verdict
  /// Appended to the verdict line as "  (CHANGE)", e.g. "PASS → FAIL" (reeval).
  std::string change;
};

/// Prints the verdict line ("KIND NAME SECSs", plus the change mark), then
/// for a verdict that did not pass, or with `verbose`: the reasons, the
/// per-cgroup table (format_cgroup_table) when there is telemetry, and with
/// `verbose` the notes ("note: ...") and a PASS's detail blocks ("detail:").
void print_verdict(std::ostream& out, const std::string& name, const Verdict& v, double secs,
                   const VerdictStyle& style);

/// The per-cgroup table as aligned lines, each indented by `indent` spaces:
/// a header, then one row per cgroup (cgroup, workers, CPUs, spread, worst
/// gap, migrations, iterations, p99 wake); "-" where a value cannot be
/// computed. Empty for an empty table.
std::string format_cgroup_table(const std::vector<CgroupRow>& rows, int indent = 4);

}  // namespace ktstr
