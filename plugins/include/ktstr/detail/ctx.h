// Ctx: everything a scenario may ask of the guest agent. An abstract interface
// (pure virtuals only, plus inline helpers built on them) so plugins never link
// against agent internals. Changing a virtual here requires bumping
// kPluginAbiVersion in ktstr/detail/abi.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ktstr/detail/assert_result.h"
#include "ktstr/detail/cgroup_def.h"
#include "ktstr/detail/step.h"
#include "ktstr/detail/topology.h"

namespace ktstr {

/// Severity of a log line.
enum class LogLevel { debug, info, warn, error };

/// The scenario's view of the running test.
class Ctx {
 public:
  virtual ~Ctx() = default;

  // --- Topology and settings -------------------------------------------------
  /// The topology the guest kernel shows.
  virtual const Topology& topology() const = 0;
  /// The test's name ("ktstr/llc_pinned").
  virtual std::string test_name() const = 0;
  /// The test's duration_s.
  virtual double duration_s() const = 0;
  /// The test's workers_per_cgroup.
  virtual int workers_per_cgroup() const = 0;
  /// Any merged setting of the test as JSON text ("3", "\"llc\"", "{...}"), or
  /// nullopt when the key is not set. Dotted keys reach into tables ("checks.max_gap_ms").
  virtual std::optional<std::string> setting(std::string_view key) const = 0;
  /// A numeric setting, or `fallback` when unset or not a number.
  virtual double setting_number(std::string_view key, double fallback) const = 0;
  /// A string setting, or `fallback` when unset or not a string.
  virtual std::string setting_string(std::string_view key, std::string_view fallback) const = 0;

  // --- Cgroups (names are relative to the scenario's cgroup root) -----------
  /// Creates a cgroup ("a" or nested "a/b"; parents are created as needed).
  virtual Status create_cgroup(std::string_view name) = 0;
  /// Stops the cgroup's workers and removes it (and its children).
  virtual Status remove_cgroup(std::string_view name) = 0;
  /// Restricts a cgroup to `cpuset` ("llc:N", "numa:N", "0-3,6", "disjoint:I/N", "range:A-B").
  virtual Status set_cpuset(std::string_view name, std::string_view cpuset) = 0;
  /// Gives a cgroup every CPU back.
  virtual Status clear_cpuset(std::string_view name) = 0;
  /// Moves one task (pid) into a cgroup.
  virtual Status move_task(std::string_view name, int pid) = 0;
  /// The CPUs a cpuset expression stands for on this topology, or an error.
  virtual Status resolve_cpuset(std::string_view cpuset, std::vector<int>& cpus) const = 0;

  // --- Worker groups (one group per cgroup) ---------------------------------
  /// Spawns `def.workers` workers of `def.work` in the existing cgroup
  /// `def.name`, applying def.affinity, def.policy and def.nice.
  virtual Status spawn_workers(const CgroupDef& def) = 0;
  /// Stops the workers of a cgroup and returns what each did. The results are
  /// also recorded in the test's telemetry.
  virtual std::vector<WorkerStats> stop_workers(std::string_view name) = 0;
  /// PIDs of the running workers of a cgroup.
  virtual std::vector<int> worker_pids(std::string_view name) const = 0;
  /// Re-pins the running workers of a cgroup (affinity mode as in CgroupDef).
  virtual Status set_affinity(std::string_view name, std::string_view affinity) = 0;

  /// Runs `defs` for duration_s, applying `steps` at their times, then stops
  /// and removes everything it created. The engine behind execute_defs/_steps.
  virtual AssertResult execute(const std::vector<CgroupDef>& defs,
                               const std::vector<Step>& steps) = 0;

  // --- Payloads and snapshots ----------------------------------------------
  /// Starts a [payload.NAME] of the test. Not supported yet: returns an error.
  virtual Status run_payload(std::string_view name) = 0;
  /// Stops a running payload. Not supported yet: returns an error.
  virtual Status kill_payload(std::string_view name) = 0;
  /// Takes a named snapshot. For now this only records the name and the time
  /// in the telemetry (BPF map capture comes later).
  virtual Status snapshot(std::string_view name) = 0;

  // --- Time, logging, details ------------------------------------------------
  /// Seconds since the scenario started.
  virtual double elapsed_s() const = 0;
  /// Sleeps (returns early only if the scenario is being cancelled).
  virtual void sleep_s(double seconds) = 0;
  /// A log line, streamed to the host and kept in the test's output.
  virtual void log(LogLevel level, std::string_view text) = 0;
  /// A detail line shown with the verdict, whatever the verdict.
  virtual void add_detail(std::string_view text) = 0;
  /// A named number recorded with the result (shown in reports and sidecars).
  virtual void set_metric(std::string_view name, double value) = 0;

  // --- Helpers (inline; not part of the vtable) ------------------------------
  /// Logs at info level.
  void info(std::string_view text) { log(LogLevel::info, text); }
  /// Logs at warn level.
  void warn(std::string_view text) { log(LogLevel::warn, text); }

  /// One cgroup per LLC, named "<prefix>_<i>", pinned with cpuset "llc:<i>".
  std::vector<CgroupDef> cgroups_per_llc(std::string_view prefix, int workers) const {
    std::vector<CgroupDef> defs;
    for (std::size_t i = 0; i < topology().num_llcs(); ++i) {
      CgroupDef d;
      d.name = std::string(prefix) + "_" + std::to_string(i);
      d.workers = workers;
      d.cpuset = "llc:" + std::to_string(i);
      defs.push_back(std::move(d));
    }
    return defs;
  }
  /// One cgroup per NUMA node, named "<prefix>_<i>", pinned with cpuset "numa:<i>".
  std::vector<CgroupDef> cgroups_per_numa_node(std::string_view prefix, int workers) const {
    std::vector<CgroupDef> defs;
    for (std::size_t i = 0; i < topology().num_numa_nodes(); ++i) {
      CgroupDef d;
      d.name = std::string(prefix) + "_" + std::to_string(i);
      d.workers = workers;
      d.cpuset = "numa:" + std::to_string(i);
      defs.push_back(std::move(d));
    }
    return defs;
  }
  /// `count` unpinned cgroups "<prefix>_<i>" of `workers` workers of `work`.
  std::vector<CgroupDef> cgroups(std::string_view prefix, int count, int workers,
                                 const WorkType& work = WorkType::spin()) const {
    std::vector<CgroupDef> defs;
    for (int i = 0; i < count; ++i) {
      CgroupDef d;
      d.name = std::string(prefix) + "_" + std::to_string(i);
      d.workers = workers;
      d.work = work;
      defs.push_back(std::move(d));
    }
    return defs;
  }
};

/// Runs cgroups of workers for the test's duration (the declarative [[cgroup]] path).
inline AssertResult execute_defs(Ctx& ctx, const std::vector<CgroupDef>& defs) {
  return ctx.execute(defs, {});
}

/// Runs cgroups of workers and applies timed steps (the declarative [[step]] path).
inline AssertResult execute_steps(Ctx& ctx, const std::vector<CgroupDef>& defs,
                                  const std::vector<Step>& steps) {
  return ctx.execute(defs, steps);
}

}  // namespace ktstr
