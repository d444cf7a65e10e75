// Worker processes: forked children that run one WorkType until killed and
// publish their progress in shared memory. A group is the workers of one
// cgroup; CPU time comes from wait4()'s rusage when a worker is stopped.
#pragma once

#include <ktstr/detail/assert_result.h>
#include <ktstr/detail/cgroup_def.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "guest/work_types.h"

namespace ktstr {

/// Scheduling policy of workers ("normal", "batch", "idle", "fifo:P", "rr:P").
Status parse_policy(const std::string& text, int& policy, int& priority);

struct WorkerSlot;  // shared-memory progress record (worker_group.cc)

/// One running worker.
struct Worker {
  int pid = 0;
  int index = 0;
  std::shared_ptr<WorkerSlot> slot;  ///< keeps the shared mapping alive
  std::chrono::steady_clock::time_point started;
  std::string error;  ///< setup problem
};

/// The workers of one cgroup.
class WorkerGroup {
 public:
  /// Moves a freshly forked worker into its cgroup before it starts working.
  using JoinFn = std::function<Status(int pid)>;

  explicit WorkerGroup(std::string cgroup) : cgroup_(std::move(cgroup)) {}
  ~WorkerGroup();  ///< kills any worker still running
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  /// Forks `count` workers of `work`; each is joined to the cgroup with
  /// `join`, given its affinity (`affinity(i)`, empty = inherit), policy and
  /// nice, and only then released to run.
  Status spawn(int count, const WorkType& work, const std::string& policy, int nice,
               const JoinFn& join, const std::function<std::vector<int>(int index)>& affinity);
  /// Re-pins running worker `index_in_group` (position in pids()).
  Status set_affinity(size_t position, const std::vector<int>& cpus);
  /// Kills every worker, reaps it, and returns what each did.
  std::vector<WorkerStats> stop();
  /// PIDs of the running workers.
  std::vector<int> pids() const;
  /// Removes the worker with `pid` (to adopt it into another group), if present.
  bool take(int pid, Worker& out);
  /// Adds a worker taken from another group.
  void adopt(Worker w);
  const std::string& cgroup() const { return cgroup_; }
  size_t size() const { return workers_.size(); }

 private:
  std::string cgroup_;
  std::vector<Worker> workers_;
  std::vector<std::shared_ptr<WorkShared>> shared_;  ///< what each spawn's workers share
  int next_index_ = 0;
};

}  // namespace ktstr
