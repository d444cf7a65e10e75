// bound_telemetry_size (see telemetry_budget.h).
#include "guest/telemetry_budget.h"

#include <vector>

namespace ktstr {

std::string bound_telemetry_size(ScenarioTelemetry& t, std::size_t budget) {
  auto size = [&t] { return nlohmann::json(t).dump().size(); };
  std::size_t bytes = size();
  if (bytes <= budget) return "";
  const std::size_t before = bytes;
  std::vector<std::string> dropped;
  std::uint64_t samples = 0;
  for (auto& w : t.workers) {
    samples += w.wake_latencies_ns.size();
    w.wake_latencies_ns.clear();
  }
  dropped.push_back(std::to_string(samples) + " wake latency samples");
  if ((bytes = size()) > budget) {
    dropped.push_back("the progress series (" + std::to_string(t.series.t_ns.size()) + " points)");
    t.series.t_ns.clear();
    t.series.points.clear();
    bytes = size();
  }
  if (bytes > budget) {
    std::uint64_t events = 0;
    for (auto& w : t.workers) {
      events += w.migration_log.size();
      w.migration_log.clear();
    }
    dropped.push_back(std::to_string(events) + " migration log entries");
    bytes = size();
  }
  std::string list;
  for (const auto& d : dropped) list += (list.empty() ? "" : ", ") + d;
  return "telemetry: " + std::to_string(before) + " bytes is over the result budget of " +
         std::to_string(budget) + " bytes; dropped " + list + " (now " + std::to_string(bytes) +
         " bytes)";
}

}  // namespace ktstr
