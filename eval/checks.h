// The thresholds of one test as typed values, each with where it came from.
// Built from the merged settings (runner/checks_from_spec.cc: the schema's
// defaults are the built-in layer, so no default is repeated in code) and
// read by evaluate(). A threshold without a value is not checked.
#pragma once

#include <optional>
#include <string>

namespace ktstr {

/// One threshold: its value (nullopt = not checked) and its provenance as a
/// user reads it: "examples/01-declarative/two_cgroups.toml:26", "built-in",
/// "--set", "ktstr.toml:12".
template <class T>
struct Threshold {
  std::optional<T> value;
  std::string origin = "built-in";
  bool set() const { return value.has_value(); }
};

/// Every evaluated [checks] key, plus the test keys evaluation reads.
struct Checks {
  Threshold<bool> not_starved;
  Threshold<bool> isolation;
  Threshold<double> max_gap_ms;
  Threshold<double> max_spread_pct;
  Threshold<double> max_throughput_cv;
  Threshold<double> min_work_rate;
  Threshold<double> max_p99_wake_latency_ns;
  Threshold<double> max_wake_latency_cv;
  Threshold<double> min_iteration_rate;
  Threshold<double> max_migration_ratio;
  Threshold<double> cleanup_budget_ms;  ///< test key, not under [checks]
  Threshold<bool> allow_inconclusive;   ///< test key: INCONCLUSIVE counts as PASS
};

}  // namespace ktstr
