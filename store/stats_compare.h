// `ktstr-run stats compare RUN_A RUN_B`: pairs the tests of two stored runs
// by display name (name, replica, repetition) and says what got worse. A
// metric regresses only when it moved in its worse direction by more than
// both its absolute and its relative threshold (run_metrics.h); a test that
// passed in A and fails in B regresses too. Tests in one run only and metrics
// one side lacks are listed, never counted as regressions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/run_metrics.h"
#include "store/run_store.h"

namespace ktstr {

/// Thresholds in force for one metric (a --threshold override or the default).
struct MetricThreshold {
  double abs = 0;  ///< in the metric's unit
  double rel = 0;  ///< fraction of A's value: 0.10 = 10 %
};

/// What `stats compare` looks at.
struct CompareOptions {
  /// --threshold METRIC=ABS,REL overrides, by metric name.
  std::map<std::string, MetricThreshold> thresholds;
  /// --metric M (repeatable): only these metrics; empty = every metric.
  std::vector<std::string> metrics;
};

/// Parses "METRIC=ABS,REL" ("worst_gap_ms=20,0.25"; REL may end in % :
/// "25%"). Returns nullopt and sets `error` for a bad shape or number; the
/// metric name is returned as written (the caller checks it exists).
std::optional<std::pair<std::string, MetricThreshold>> parse_threshold(const std::string& text,
                                                                       std::string* error);

/// True when `b` is worse than `a` by more than both thresholds, in the
/// direction `def` says is worse. From a == 0 any worsening is relatively
/// infinite (only the absolute threshold applies).
bool moved_worse(const MetricDef& def, const MetricThreshold& t, double a, double b);

/// One metric of one paired test that moved past its thresholds, or that
/// one side lacks.
struct MetricChange {
  std::string test;  ///< display name
  std::string metric;
  std::optional<double> a, b;  ///< nullopt: the run lacks the metric
  bool regression = false;
  bool improvement = false;  ///< moved past both thresholds the better way
};

/// A paired test whose status changed.
struct StatusChange {
  std::string test;
  std::string a, b;         ///< "PASS", "FAIL", ...
  bool regression = false;  ///< B fails (FAIL, INCONCLUSIVE) where A did not
};

/// The comparison of two runs.
struct Comparison {
  std::vector<MetricChange> metrics;  ///< in A's test order, then metric order
  std::vector<StatusChange> statuses;
  std::vector<std::string> only_in_a, only_in_b;
  std::vector<std::string> warnings;  ///< duplicate names, unreadable sidecars
  int paired = 0;                     ///< tests in both runs
  int metrics_compared = 0;           ///< metric values present on both sides
  /// Metric and status regressions.
  int regressions() const;
  int improvements() const;
};

/// The display name a run's entry (and its sidecar) is paired by.
std::string pairing_name(const nlohmann::json& entry, const nlohmann::json& sidecar);

/// Compares `b` against `a`. `options.metrics` and the override keys must
/// name metrics of metric_defs() (the command checks them first).
Comparison compare_runs(const StoredRun& a, const StoredRun& b, const CompareOptions& options);

/// The comparison as `stats compare` prints it: an aligned table of changed
/// metrics and statuses, the tests only in one run, and one final line
/// ("stats compare: 1 regression in 12 paired tests (96 metrics compared)").
std::string format_comparison(const Comparison& c, const StoredRun& a, const StoredRun& b);

}  // namespace ktstr
