// The plan pass: which instances run, in which order. Pure: resolved tests
// and kernels in, instances out; no I/O, no vmm. `ktstr-run --list`,
// `ktstr-run list` and the executor all read the same plan, so what --list
// shows is what runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plan/budget.h"
#include "plan/filter_expr.h"
#include "plan/gauntlet.h"
#include "plan/test_instance.h"

namespace ktstr {

/// --partition hash:K/N or count:K/N (1 <= K <= N).
struct Partition {
  enum class Kind { kHash, kCount };
  Kind kind = Kind::kHash;
  int index = 1;  ///< K, 1-based
  int count = 1;  ///< N
  /// "hash:2/3".
  std::string str() const;
};

/// Parses "hash:K/N" or "count:K/N". Returns nullopt and sets `error`
/// ("--partition: K must be between 1 and N (got 4/3)") otherwise.
std::optional<Partition> parse_partition(const std::string& text, std::string* error);

/// What the user asked for on the command line (and its KTSTR_* twins).
struct PlanOptions {
  std::vector<std::string> filters;           ///< --filter substrings, ORed
  std::vector<FilterExpr> exprs;              ///< -E expressions, ORed (parsed)
  bool run_ignored = false;                   ///< --run-ignored: ignored tests run too
  int repeat = 1;                             ///< --repeat N (>= 1)
  std::optional<Partition> partition;         ///< --partition
  std::optional<std::uint64_t> shuffle_seed;  ///< --shuffle [--seed S]
  /// --gauntlet: the gauntlet variants run too (--run-ignored also adds them).
  bool gauntlet = false;
  std::vector<GauntletPreset> presets;  ///< gauntlet_preset_list(); empty = no gauntlet
  HostCapacity host;                    ///< the capacity rule and timeout scaling
  /// Why QEMU cannot build a topology under this run's accelerator, or "";
  /// unset: every topology can be built (the plan does not link vmm).
  std::function<std::string(const TopologySpec&)> unbuildable;
  /// --budget SECS: only the tests select_within_budget() picks run.
  std::optional<double> budget_s;
  CostModel cost;  ///< the budget's cost model (calibrated from the run store)
};

/// A gauntlet variant the plan left out, and why (for list -v and the run's note).
struct GauntletMiss {
  std::string name;  ///< the variant's name without profile and kernel
  std::string reason;
  bool capacity = false;  ///< the host is too small (rather than a constraint)
};

/// The instances of a run, in execution order, plus what was left out.
struct Plan {
  std::vector<PlanKernel> kernels;
  std::vector<TestInstance> instances;  ///< what runs (ignored ones only with --run-ignored)
  /// Matched the filters but are `ignore = true` and --run-ignored was not
  /// given: reported as SKIP ("ignored (use --run-ignored to run it)").
  std::vector<TestInstance> ignored;
  size_t total_before_filters = 0;            ///< instances before filters and partition
  size_t filtered_out = 0;                    ///< removed by --filter / -E
  size_t partitioned_out = 0;                 ///< removed by --partition
  bool gauntlet = false;                      ///< gauntlet variants were expanded
  std::vector<GauntletMiss> gauntlet_missed;  ///< presets a test did not get, and why
  std::optional<BudgetSelection> budget;      ///< with --budget: what it chose
  size_t budgeted_out = 0;                    ///< instances --budget left out
  /// True when nothing matched the filters (or there is no test at all):
  /// exit 4 unless --no-tests says otherwise. A shard left empty by
  /// --partition while other shards have tests is not "nothing matched".
  bool nothing_matched() const {
    return instances.empty() && ignored.empty() && partitioned_out == 0 && budgeted_out == 0;
  }
};

/// Expands `tests` × flag profiles × (own topology, then the gauntlet
/// presets when asked) × `kernels` × replicas × repetitions (tests sorted by
/// full name, then profile, preset, kernel, replica, repetition), applies the
/// filters (a test matches when it matches any --filter, or any -E, and both
/// when both kinds are given), then the partition (over the filtered list),
/// then --budget (over the instances that would run), then the shuffle.
/// Deterministic: the same inputs give the same plan.
/// A host_only test runs once, on kernel 0, with no kernel suffix. The
/// partition deals whole names (replicas and repetitions of a name stay in
/// one shard; ignored instances are sharded too, so each shard reports its
/// own); the shuffle reorders whole names and keeps each name's runs in
/// order. No kernels: one unnamed kernel (for listing without one).
/// docs/filtering.md is the user's manual.
Plan make_plan(const std::vector<ResolvedTest>& tests, const std::vector<PlanKernel>& kernels,
               const PlanOptions& options);

/// The plan as `--list` prints it: one full name per line (an instance's
/// `name`, each once; ignored ones only when listed with run_ignored).
std::string format_list(const Plan& plan);

}  // namespace ktstr
