// Worker processes: forked children that run one work type (guest/work_types.h)
// until asked to stop, reporting through a SlotProbe into a shared WorkerSlot
// (guest/worker_probe.h). A group is the workers of one cgroup; stopping it
// returns one WorkerReport per worker it ever had, whatever became of it.
#pragma once

#include <ktstr/detail/assert_result.h>
#include <ktstr/detail/cgroup_def.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "guest/protocol/worker_report.h"
#include "guest/worker_probe.h"

namespace ktstr {

/// Scheduling policy of workers ("normal", "batch", "idle", "fifo:P", "rr:P").
Status parse_policy(const std::string& text, int& policy, int& priority);

/// How long a group's workers together get to stop before they are killed.
inline constexpr std::chrono::milliseconds kStopDeadline{2000};

/// One running worker.
struct Worker {
  int pid = 0;
  int index = 0;
  std::string cgroup;                ///< the cgroup it was spawned in (its report's name)
  std::string work;                  ///< work type name
  std::shared_ptr<WorkerSlot> slot;  ///< keeps the shared mapping alive
  std::shared_ptr<void> shared;      ///< the WorkShared of its spawn
};

/// The workers of one cgroup.
class WorkerGroup {
 public:
  /// Moves a freshly forked worker into its cgroup before it starts working.
  using JoinFn = std::function<Status(int pid)>;

  /// `scenario_start_ns` (CLOCK_MONOTONIC) is time zero of every report;
  /// `epoch_seq` the cpuset sequence of CpusetEpochs (nullptr: epoch 0 only).
  explicit WorkerGroup(std::string cgroup, std::uint64_t scenario_start_ns = monotonic_ns(),
                       const std::atomic<std::uint64_t>* epoch_seq = nullptr);
  ~WorkerGroup();  ///< kills any worker still running
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  /// Forks `count` workers of `work`; each is joined to the cgroup with
  /// `join`, given its affinity (`affinity(i)`, empty = inherit), policy and
  /// nice, and only then released to run. When one of them cannot be set up
  /// the whole batch is killed before it did any work, the error is returned,
  /// and the next stop() reports each of them with what happened.
  Status spawn(int count, const WorkType& work, const std::string& policy, int nice,
               const JoinFn& join, const std::function<std::vector<int>(int index)>& affinity);
  /// Re-pins running worker `position` (position in pids()).
  Status set_affinity(size_t position, const std::vector<int>& cpus);
  /// Asks every worker to stop (stop flag + SIGUSR1), waits for all of them
  /// with one shared `deadline`, kills the rest (SIGKILL also ends frozen
  /// tasks), reaps everything and returns one report per worker, including
  /// the ones whose setup failed.
  std::vector<WorkerReport> stop(std::chrono::milliseconds deadline = kStopDeadline);
  /// PIDs of the running workers.
  std::vector<int> pids() const;
  /// The running workers (in spawn order, adopted ones last).
  const std::vector<Worker>& workers() const { return workers_; }
  /// Removes the worker with `pid` (to adopt it into another group), if present.
  bool take(int pid, Worker& out);
  /// Adds a worker taken from another group.
  void adopt(Worker w);
  const std::string& cgroup() const { return cgroup_; }
  size_t size() const { return workers_.size(); }

 private:
  std::string cgroup_;
  std::uint64_t start_ns_;
  const std::atomic<std::uint64_t>* epoch_seq_;
  std::vector<Worker> workers_;
  std::vector<WorkerReport> unstarted_;  ///< batches whose setup failed
  int next_index_ = 0;
};

/// The SDK's summary of a report (Ctx::stop_workers returns these).
WorkerStats to_worker_stats(const WorkerReport& r);

}  // namespace ktstr
