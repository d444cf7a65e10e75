// The seam between the agent's bring-up (mounts, scheduler, channel) and the
// scenario engine (cgroups, workers, plugins). The agent calls run_scenario()
// once the scheduler is up; the engine reports through ScenarioHost.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"

namespace ktstr {

/// What the engine may ask of the agent while a scenario runs.
class ScenarioHost {
 public:
  virtual ~ScenarioHost() = default;
  /// A log line for the host (sent as a "log" frame).
  virtual void log(const std::string& level, const std::string& text) = 0;
  /// Any other frame to stream to the host ("telemetry", "snapshot", ...).
  virtual void emit(const std::string& type, const nlohmann::json& payload) = 0;
  /// Root of the cgroup v2 hierarchy the engine may use ("/sys/fs/cgroup" in
  /// the guest; a temp dir in host-side tests).
  virtual std::string cgroup_root() const = 0;
};

/// The outcome of one scenario, as the engine saw it.
struct ScenarioOutcome {
  std::string verdict = "pass";  ///< "pass" | "fail" | "error" (the scenario could not run)
  std::vector<std::string> details;
  nlohmann::json data = nlohmann::json::object();  ///< per-cgroup/worker results, custom details
};

/// Runs the test's scenario (plugin function or declarative cgroups) to the end.
/// Never throws: a plugin's exception or crash-in-a-child becomes verdict "fail"
/// with the exception text or the signal in details.
ScenarioOutcome run_scenario(const GuestTestSpec& spec, const ObservedTopology& topology,
                             ScenarioHost& host);

}  // namespace ktstr
