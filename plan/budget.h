// --budget SECS: choose the tests that cover the most configurations per
// estimated second, within the limit. Pure: instances, a cost model and a
// limit in, a deterministic selection out. docs/gauntlet.md is the manual.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plan/test_instance.h"

namespace ktstr {

/// Fallback costs when the run store has no measurement (TCG on 2 cores,
/// notes/vm-measurements.md: a bare boot is 2.0-2.2 s up to 4 vCPUs, 4.2 s
/// at 8, 4.9 s at 16; a sched_ext scheduler attaches in 0.5-4 s; teardown
/// and the agent's start-up about 1 s).
inline constexpr double kBootBaseS = 2.0;
inline constexpr double kBootPerVcpuS = 0.2;
inline constexpr double kOverheadS = 1.0;
inline constexpr double kSchedExtAttachS = 2.0;

/// Measured seconds of one (kernel, vCPUs) shape, averaged over stored runs.
struct CostSample {
  double boot_s = 0;      ///< launch to the agent's booted frame
  double overhead_s = 0;  ///< the rest beyond the scenario's duration: attach, teardown
  int runs = 0;
};

/// What a test costs: measured per kernel label and vCPU count, else the
/// constants above.
struct CostModel {
  std::map<std::pair<std::string, int>, CostSample> measured;  ///< (kernel label, vCPUs)
  std::size_t runs_read = 0;  ///< stored results the samples came from
  /// Estimated wall seconds of `i` on kernel `kernel_label`, and how
  /// ("measured: 6.12.117-cloud, 2 vCPUs, 14 runs" / "constants").
  std::pair<double, std::string> estimate(const TestInstance& i,
                                          const std::string& kernel_label) const;
};

/// The features one instance covers: scheduler, each flag (or flags=none),
/// CPU/LLC/NUMA buckets, SMT, each work type (or the plugin scenario) and
/// the kernel: "scheduler=simple", "flag=llc", "cpus=3-4", "llcs=2",
/// "numa=1", "smt=yes", "work=spin", "kernel=6.12.117-cloud".
std::vector<std::string> coverage_features(const TestInstance& i, const std::string& kernel_label);

/// The outcome of a budget selection.
struct BudgetSelection {
  double limit_s = 0;
  double used_s = 0;                ///< estimated seconds of the chosen tests
  std::size_t chosen = 0;           ///< test names chosen
  std::size_t candidates = 0;       ///< test names considered
  std::size_t covered = 0;          ///< features the chosen tests cover
  std::size_t possible = 0;         ///< features all candidates cover
  double cheapest_s = 0;            ///< the cheapest candidate's estimate
  std::vector<std::string> names;   ///< the chosen names, in plan order
  std::vector<std::string> missed;  ///< features no chosen test covers (sorted)
  /// "budget: 5/12 tests, 58.0/60 s, 17/21 configurations".
  std::string line() const;
};

/// Greedy maximum coverage per estimated second over whole names (a name's
/// replicas and repetitions cost together): repeatedly takes the name with
/// the most new features per second that still fits (ties: cheaper, then
/// plan order); when nothing adds a feature, fills the rest of the budget
/// with the remaining names in plan order that fit. Deterministic.
/// `kernel_labels[i.kernel_index]` names each instance's kernel.
BudgetSelection select_within_budget(const std::vector<TestInstance>& instances,
                                     const std::vector<std::string>& kernel_labels, double limit_s,
                                     const CostModel& model);

}  // namespace ktstr
