// The --budget cost model, calibrated from the run store: each stored VM
// result's boot time (launch to the agent's booted frame) and the rest of
// its wall time beyond the scenario's duration, averaged per kernel label
// and vCPU count. Results without those numbers are skipped.
#pragma once

#include <cstddef>
#include <filesystem>

#include "plan/budget.h"

namespace ktstr {

/// The newest `max_runs` runs under `runs_parent` (ktstr-runs) make the
/// model; none (or no directory) gives an empty model, which estimates with
/// the documented constants.
CostModel calibrate_cost_model(const std::filesystem::path& runs_parent, std::size_t max_runs = 20);

/// Adds one stored sidecar (result.json) to `model`; false when it has no
/// usable timings (host_only, a launch failure, garbage).
bool add_cost_sample(CostModel& model, const nlohmann::json& sidecar);

}  // namespace ktstr
