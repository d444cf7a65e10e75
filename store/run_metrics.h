// The metrics `stats compare` pairs across runs, computed from a stored
// sidecar's run record (never by re-running anything). Each metric has a
// direction (which way is worse) and default thresholds: a change is a
// regression only when it is worse by more than BOTH the absolute and the
// relative threshold. Defaults and formulas are documented in docs/stats.md.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// One metric's definition.
struct MetricDef {
  std::string name;  ///< "worst_gap_ms"
  std::string unit;  ///< "ms"
  bool higher_is_worse = true;
  double abs_threshold = 0;  ///< in `unit`
  double rel_threshold = 0;  ///< fraction: 0.10 = 10 %
  std::string description;
};

/// Every metric, in report order.
const std::vector<MetricDef>& metric_defs();

/// The metrics of one sidecar (result.json): name -> value; a metric that
/// cannot be computed (no telemetry, no wake samples) is absent.
std::map<std::string, double> sidecar_metrics(const nlohmann::json& sidecar);

/// The definition named `name`, or nullptr.
const MetricDef* find_metric(const std::string& name);

}  // namespace ktstr
