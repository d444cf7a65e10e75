// A VmLauncher that answers instantly with a scripted outcome: the run's
// passes (plan, executor, reporters, run store) are tested without QEMU.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guest/protocol/observed_topology.h"
#include "guest/protocol/worker_report.h"
#include "runner/run_command.h"
#include "vmm/vm_request.h"

namespace ktstr::testing {

/// What the agent observes in a guest that has exactly topology `t`.
inline ObservedTopology observed_as_declared(const TopologySpec& t) {
  ObservedTopology seen;
  int cpu = 0;
  for (int l = 0; l < t.llcs; ++l) {
    std::vector<int> group;
    for (int c = 0; c < t.cores * t.threads; ++c) group.push_back(cpu++);
    seen.llc_groups.push_back(group);
  }
  seen.cpus = cpu;
  for (int c = 0; c < cpu; c += t.threads) {
    std::vector<int> g;
    for (int k = 0; k < t.threads; ++k) g.push_back(c + k);
    seen.smt_groups.push_back(g);
  }
  const int per_node = cpu / t.numa_nodes;
  for (int n = 0; n < t.numa_nodes; ++n) {
    std::vector<int> g;
    for (int k = 0; k < per_node; ++k) g.push_back(n * per_node + k);
    seen.numa_nodes.push_back(g);
  }
  return seen;
}

/// The agent's frames of a run that went as `request` declared.
inline VmOutcome fake_outcome(const VmRequest& request, const std::string& verdict) {
  VmOutcome o;
  o.reason = VmExitReason::kDone;
  o.done = true;
  o.booted = {{"type", "booted"}, {"topology", observed_as_declared(request.topology)}};
  o.result = {{"type", "result"}, {"verdict", verdict}, {"details", nlohmann::json::array()}};
  o.result["data"]["telemetry"] = nlohmann::json(ScenarioTelemetry{});
  return o;
}

/// Scripted launcher, shared by every launcher the factory makes.
struct FakeVms {
  /// The verdict the guest reports for a test: "pass" unless `verdict_for` says otherwise.
  std::function<std::string(const VmRequest&, int call)> verdict_for;
  /// Called inside launch (e.g. to interrupt the run mid-test).
  std::function<void(const VmRequest&)> during;
  std::chrono::milliseconds delay{0};
  std::mutex mu;
  std::vector<VmRequest> requests;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};

  LauncherFactory factory();
};

class FakeVmLauncher : public VmLauncher {
 public:
  explicit FakeVmLauncher(FakeVms& vms) : vms_(vms) {}
  VmResult launch(const VmRequest& request) override {
    int call;
    {
      std::lock_guard lock(vms_.mu);
      vms_.requests.push_back(request);
      call = static_cast<int>(vms_.requests.size());
    }
    const int now = ++vms_.running;
    int seen = vms_.max_running.load();
    while (now > seen && !vms_.max_running.compare_exchange_weak(seen, now)) {
    }
    if (vms_.during) vms_.during(request);
    if (vms_.delay.count()) std::this_thread::sleep_for(vms_.delay);
    VmResult r;
    r.outcome = fake_outcome(request, vms_.verdict_for ? vms_.verdict_for(request, call) : "pass");
    if (VmRegistry::instance().interrupted()) r.outcome.reason = VmExitReason::kInterrupted;
    r.info.memory_mib = request.memory_mib;
    --vms_.running;
    return r;
  }

 private:
  FakeVms& vms_;
};

inline LauncherFactory FakeVms::factory() {
  return [this](const BaseInitramfs&) { return std::make_unique<FakeVmLauncher>(*this); };
}

}  // namespace ktstr::testing
