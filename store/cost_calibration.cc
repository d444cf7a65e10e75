#include "store/cost_calibration.h"

#include <cmath>

#include "guest/protocol/topology_presets.h"
#include "store/run_store.h"

namespace ktstr {

namespace {

// A finite, non-negative number at `path`, or a negative value.
double number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return -1;
    at = &(*at)[key];
  }
  if (!at->is_number()) return -1;
  const double v = at->get<double>();
  return std::isfinite(v) && v >= 0 && v < 1e9 ? v : -1;
}

}  // namespace

bool add_cost_sample(CostModel& model, const nlohmann::json& sidecar) {
  if (!sidecar.is_object() || !sidecar.contains("kernel") || !sidecar["kernel"].is_string() ||
      !sidecar.contains("topology") || !sidecar["topology"].is_string())
    return false;
  const TopologyParse topo = parse_topology_string(sidecar["topology"].get<std::string>());
  if (!topo.ok()) return false;
  const double boot_ms = number_at(sidecar, {"outcome", "timings", "launch_to_booted_ms"});
  const double total_ms = number_at(sidecar, {"outcome", "timings", "total_ms"});
  const double duration = number_at(sidecar, {"record", "duration_s"});
  if (boot_ms < 0 || total_ms < boot_ms || duration < 0) return false;
  const double boot_s = boot_ms / 1000,
               overhead_s = std::max(0.0, total_ms / 1000 - boot_s - duration);
  CostSample& s =
      model.measured[{sidecar["kernel"].get<std::string>(), topo.topology.total_cpus()}];
  // A running mean.
  s.runs += 1;
  s.boot_s += (boot_s - s.boot_s) / s.runs;
  s.overhead_s += (overhead_s - s.overhead_s) / s.runs;
  model.runs_read += 1;
  return true;
}

CostModel calibrate_cost_model(const std::filesystem::path& runs_parent, std::size_t max_runs) {
  CostModel model;
  std::vector<std::filesystem::path> runs = list_runs(runs_parent);
  if (runs.size() > max_runs) runs.erase(runs.begin(), runs.end() - static_cast<long>(max_runs));
  for (const auto& dir : runs) {
    std::string error;
    const auto run = read_run(dir, &error);
    if (!run) continue;
    for (const auto& side : run->sidecars) add_cost_sample(model, side);
  }
  return model;
}

}  // namespace ktstr
