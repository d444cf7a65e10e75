// Value types of a scenario: what runs in a cgroup. The C++ mirror of the
// declarative [[cgroup]] table (SPEC.md "Declarative scenario").
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace ktstr {

/// What each worker does. `args_json` is a JSON object of per-type arguments
/// (the spec's work_args), e.g. {"burst_ms": 20, "sleep_ms": 10}.
struct WorkType {
  std::string name = "spin";
  std::string args_json = "{}";

  /// Busy loop: burns CPU for the whole run.
  static WorkType spin() { return {"spin", "{}"}; }
  /// Loop that calls sched_yield() after each small chunk of work.
  static WorkType yield() { return {"yield", "{}"}; }
  /// Spins for `burst_ms`, then sleeps for `sleep_ms`, repeatedly.
  static WorkType bursty(int burst_ms, int sleep_ms) {
    return {"bursty", "{\"burst_ms\": " + std::to_string(burst_ms) +
                          ", \"sleep_ms\": " + std::to_string(sleep_ms) + "}"};
  }
};

/// One cgroup of workers. `workers` < 0 means the test's workers_per_cgroup.
/// Every member has a default, so `CgroupDef{"wide"}` (the documented style)
/// is warning-free under -Wall -Wextra (no missing-field-initializers).
struct CgroupDef {
  std::string name{};  ///< relative to the scenario's cgroup root; "a/b" nests
  int workers = -1;
  WorkType work{};
  std::string cpuset{};  ///< "" | "llc:N" | "numa:N" | "0-3,6" | "disjoint:I/N" | "range:A-B"
  std::string affinity =
      "inherit";  ///< inherit | llc_aligned | single_cpu | random_subset | cross_cgroup
  std::string policy = "normal";  ///< normal | batch | idle | fifo:P | rr:P
  int nice = 0;

  /// Fluent setters, for one-expression definitions.
  CgroupDef& with_workers(int n) {
    workers = n;
    return *this;
  }
  CgroupDef& with_work(WorkType w) {
    work = std::move(w);
    return *this;
  }
  CgroupDef& with_cpuset(std::string c) {
    cpuset = std::move(c);
    return *this;
  }
  CgroupDef& with_affinity(std::string a) {
    affinity = std::move(a);
    return *this;
  }
  CgroupDef& with_policy(std::string p) {
    policy = std::move(p);
    return *this;
  }
  CgroupDef& with_nice(int n) {
    nice = n;
    return *this;
  }
};

/// What one worker did, collected when its group stops (a summary of the
/// agent's full report; docs/telemetry.md defines every field).
struct WorkerStats {
  std::string cgroup{};
  int index = 0;  ///< position within its group
  int pid = 0;
  std::uint64_t iterations = 0;   ///< outer loop iterations of the work type
  std::uint64_t work_units = 0;   ///< work units done (the work type defines one)
  std::uint64_t cpu_time_ns = 0;  ///< thread CPU time at the stop (rusage when killed)
  std::uint64_t wall_ns = 0;      ///< release to stop
  std::uint64_t off_cpu_ns = 0;   ///< wall_ns - cpu_time_ns, at least 0
  std::uint64_t max_gap_ns = 0;   ///< longest time between two checkpoints (waits excluded)
  std::uint64_t migrations = 0;   ///< CPU changes seen at checkpoints
  bool completed = false;         ///< stopped on request (false: killed, died, not started)
  std::string error{};            ///< what went wrong, "" if nothing
};

}  // namespace ktstr
