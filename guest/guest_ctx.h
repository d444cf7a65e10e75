// The agent's implementation of the plugin SDK's Ctx: topology and settings
// from the test spec, cgroups through CgroupOps, workers through WorkerGroup,
// and execute() through the scenario engine. It records every worker's
// results, metrics, details and snapshots for the scenario's outcome.
#pragma once

#include <ktstr/detail/ctx.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "guest/cgroup_ops.h"
#include "guest/cpuset_epochs.h"
#include "guest/progress_sampler.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"
#include "guest/protocol/worker_report.h"
#include "guest/worker_group.h"

namespace ktstr {

/// The SDK's Topology for an observed one. usable_cpus are the online CPUs
/// this process may run on (its affinity mask).
Topology to_sdk_topology(const ObservedTopology& observed);

/// Ctx for one scenario run.
class GuestCtx : public Ctx {
 public:
  /// Receives log lines ("debug" | "info" | "warn" | "error", text).
  using LogSink = std::function<void(const std::string& level, const std::string& text)>;

  /// Cgroups go under `<cgroup_root>/ktstr`.
  GuestCtx(const GuestTestSpec& spec, const ObservedTopology& topology,
           const std::string& cgroup_root, LogSink log);
  ~GuestCtx() override;

  /// Prepares the cgroup root. Call once before the scenario.
  Status init();
  /// Stops all workers (recording them), removes every cgroup, and completes
  /// the telemetry (keeping it under kTelemetryBudget). Idempotent.
  void cleanup();
  /// Everything recorded: {"telemetry": ScenarioTelemetry, "metrics": {...},
  /// "snapshots": [...], "cgroup_root": "...", "cgroup2": bool}.
  nlohmann::json data() const;
  /// The telemetry recorded so far (complete after cleanup()).
  const ScenarioTelemetry& telemetry() const { return telemetry_; }
  /// Names what the next cpuset changes come from in their CpusetChange
  /// records ("cgroup 'cg_0'", "step 2 (set_cpuset)"); "" means "plugin".
  void set_change_source(std::string source) { source_ = std::move(source); }
  /// Largest encoded telemetry the result frame carries; past it wake samples,
  /// then the series, then migration logs are dropped (with a detail line).
  static constexpr size_t kTelemetryBudget = 6u << 20;
  /// Detail lines added with add_detail() and by cleanup().
  const std::vector<std::string>& details() const { return details_; }

  // Ctx
  const Topology& topology() const override { return topology_; }
  std::string test_name() const override { return spec_.name; }
  double duration_s() const override { return spec_.duration_s; }
  int workers_per_cgroup() const override { return spec_.workers_per_cgroup; }
  std::optional<std::string> setting(std::string_view key) const override;
  double setting_number(std::string_view key, double fallback) const override;
  std::string setting_string(std::string_view key, std::string_view fallback) const override;
  Status create_cgroup(std::string_view name) override;
  Status remove_cgroup(std::string_view name) override;
  Status set_cpuset(std::string_view name, std::string_view cpuset) override;
  Status clear_cpuset(std::string_view name) override;
  Status move_task(std::string_view name, int pid) override;
  Status resolve_cpuset(std::string_view cpuset, std::vector<int>& cpus) const override;
  Status spawn_workers(const CgroupDef& def) override;
  std::vector<WorkerStats> stop_workers(std::string_view name) override;
  std::vector<int> worker_pids(std::string_view name) const override;
  Status set_affinity(std::string_view name, std::string_view affinity) override;
  AssertResult execute(const std::vector<CgroupDef>& defs, const std::vector<Step>& steps) override;
  Status run_payload(std::string_view name) override;
  Status kill_payload(std::string_view name) override;
  Status snapshot(std::string_view name) override;
  double elapsed_s() const override;
  void sleep_s(double seconds) override;
  void log(LogLevel level, std::string_view text) override;
  void add_detail(std::string_view text) override;
  void set_metric(std::string_view name, double value) override;

 private:
  const nlohmann::json* find_setting(std::string_view key) const;
  /// CPUs workers of `cgroup` may use: its cpuset, else every usable CPU.
  std::vector<int> allowed_cpus(const std::string& cgroup) const;
  /// Writes `cpus` as `name`'s cpuset between two epoch bumps and records it.
  Status change_cpuset(std::string_view name, const std::vector<int>& cpus, bool cleared,
                       std::string_view spec);
  /// Drops what does not fit kTelemetryBudget (guest/telemetry_budget.h),
  /// saying so in details_.
  void bound_telemetry();
  /// CPUs for worker `index` under affinity `mode`; empty = leave as is.
  Status affinity_for(const std::string& cgroup, std::string_view mode, int index,
                      std::vector<int>& cpus) const;

  GuestTestSpec spec_;
  Topology topology_;
  CgroupOps ops_;
  LogSink log_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t start_ns_;  ///< CLOCK_MONOTONIC at start_: time zero of the telemetry
  CpusetEpochs epochs_;
  ProgressSampler sampler_;
  ScenarioTelemetry telemetry_;
  std::string source_;
  int dropped_changes_ = 0;  ///< cpuset changes past kMaxCpusetEpochs
  std::map<std::string, std::unique_ptr<WorkerGroup>> groups_;
  std::map<std::string, std::vector<int>> cpusets_;  ///< resolved cpuset per cgroup
  std::set<std::string> implicit_parents_;           ///< created only as parents
  std::vector<std::string> details_;
  nlohmann::json metrics_ = nlohmann::json::object();
  nlohmann::json snapshots_ = nlohmann::json::array();
  unsigned random_state_ = 0;
  bool cleaned_ = false;
};

}  // namespace ktstr
