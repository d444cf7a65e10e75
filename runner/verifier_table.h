// The verifier sweep's report: one table row per struct_ops program
// (scheduler, profile, program, verified instructions, % of the verifier's
// limit, and with a baseline its count there and the change), a warning per
// program near the limit, each failed load's reasons and output tail (quoted:
// guest text), and a closing count. docs/verifier.md shows it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "runner/verifier_loads.h"

namespace ktstr {

/// The verifier's limit on the instructions it processes per program:
/// BPF_COMPLEXITY_LIMIT_INSNS (include/linux/bpf.h, 1M since Linux 5.2).
inline constexpr std::uint64_t kVerifierInsnLimit = 1'000'000;

/// A program at or above this share of kVerifierInsnLimit gets a warning:
/// 90 % leaves a tenth of the limit for the next change, which a new branch
/// in a loop can use up.
inline constexpr double kVerifierWarnPct = 90.0;

/// The counts of an earlier sweep, keyed by (scheduler, profile, program).
struct VerifierBaseline {
  std::string run_id;  ///< the stored run's id, for the heading
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> counts;
};

/// The counts of `loads` as a baseline (programs without a count are left out).
VerifierBaseline make_verifier_baseline(const std::vector<VerifierLoad>& loads, std::string run_id);

/// What the report found.
struct VerifierReport {
  std::string text;  ///< the whole report, ending in a newline
  int failed_loads = 0;
  int near_limit = 0;  ///< programs at or above kVerifierWarnPct
};

/// Formats the report of `loads` (in order); with `baseline`, two more
/// columns compare each count with it.
VerifierReport format_verifier_report(const std::vector<VerifierLoad>& loads,
                                      const VerifierBaseline* baseline);

}  // namespace ktstr
