// Worker processes (see worker_group.h).
//
// Spawning is two-phase so that no worker runs a single iteration outside its
// cgroup or affinity: each child blocks reading a "go" pipe; the parent moves
// every child into the cgroup, applies affinity, policy and nice, then closes
// the pipe's write end and all children start at once. A worker dies with its
// parent (PR_SET_PDEATHSIG) and closes every inherited descriptor, so it never
// holds the agent's channel or result pipe open.
#include "guest/worker_group.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace ktstr {

/// Progress a worker publishes; lives in a MAP_SHARED page.
struct WorkerSlot {
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> max_gap_ns{0};
  std::atomic<std::uint64_t> migrations{0};
};

namespace {

// Keeps `keep` (a spawn's shared pipes) and closes every other inherited fd.
void close_inherited_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned lo = 3;
  auto close_span = [](unsigned from, unsigned to) {
    if (from > to) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, from, to, 0u) == 0) return;
#endif
    const long max = std::min<long>(to, 65535);
    for (long fd = from; fd <= max; ++fd) close(static_cast<int>(fd));
  };
  for (int fd : keep) {
    if (fd < static_cast<int>(lo)) continue;
    if (fd > static_cast<int>(lo)) close_span(lo, static_cast<unsigned>(fd) - 1);
    lo = static_cast<unsigned>(fd) + 1;
  }
  close_span(lo, ~0u);
}

// Publishes work units, the longest gap between checkpoints (every 1024
// units; a deliberate wait resets it) and migrations in the worker's slot.
// Interim: the telemetry rewrite of this file replaces it.
class SlotProbe final : public WorkProbe {
 public:
  explicit SlotProbe(WorkerSlot* slot) : slot_(slot), last_(monotonic_ns()), cpu_(sched_getcpu()) {}
  void units(std::uint64_t n) override {
    const std::uint64_t before = units_;
    units_ += n;
    slot_->iterations.store(units_, std::memory_order_relaxed);
    if (units_ / 1024 == before / 1024) return;
    const std::uint64_t t = monotonic_ns();
    if (t - last_ > max_gap_)
      slot_->max_gap_ns.store(max_gap_ = t - last_, std::memory_order_relaxed);
    last_ = t;
    if (const int cpu = sched_getcpu(); cpu != cpu_)
      cpu_ = cpu, slot_->migrations.store(++migrations_, std::memory_order_relaxed);
  }
  void iteration() override {}
  void wait_begin() override {}
  void wait_end(std::uint64_t) override { last_ = monotonic_ns(); }
  bool stopping() const override { return false; }  // workers are killed

 private:
  WorkerSlot* slot_;
  std::uint64_t units_ = 0, last_, max_gap_ = 0, migrations_ = 0;
  int cpu_;
};

[[noreturn]] void worker_main(int go_read, int go_write, pid_t parent, WorkerSlot* slot,
                              const WorkParams& params, WorkShared* shared, int index) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Named, so that kernel messages (a sched_ext stall: "ktstr-worker[PID] failed
  // to run for ...") and scheduler dumps say what the task is; else "init".
  prctl(PR_SET_NAME, "ktstr-worker");
  if (getppid() != parent) _exit(0);
  close(go_write);
  char c;
  while (read(go_read, &c, 1) < 0 && errno == EINTR) {
  }
  close_inherited_fds(shared ? shared->fds() : std::vector<int>{});
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  SlotProbe probe(slot);
  run_work(params, shared, index, probe);
  _exit(0);
}

void kill_and_reap(const std::vector<Worker>& workers) {
  for (const auto& w : workers) kill(w.pid, SIGKILL);
  for (const auto& w : workers)
    while (waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Status parse_policy(const std::string& text, int& policy, int& priority) {
  priority = 0;
  if (text.empty() || text == "normal") return policy = SCHED_OTHER, Status{};
  if (text == "batch") return policy = SCHED_BATCH, Status{};
  if (text == "idle") return policy = SCHED_IDLE, Status{};
  auto colon = text.find(':');
  std::string kind = text.substr(0, colon);
  if ((kind == "fifo" || kind == "rr") && colon != std::string::npos) {
    char* end = nullptr;
    long p = std::strtol(text.c_str() + colon + 1, &end, 10);
    if (end && *end == '\0' && end != text.c_str() + colon + 1 && p >= 1 && p <= 99) {
      policy = kind == "fifo" ? SCHED_FIFO : SCHED_RR;
      priority = static_cast<int>(p);
      return {};
    }
    return Status::failure("policy '" + text + "': the priority must be 1-99");
  }
  return Status::failure("policy '" + text + "' is not one of normal, batch, idle, fifo:P, rr:P");
}

WorkerGroup::~WorkerGroup() { kill_and_reap(workers_); }

Status WorkerGroup::spawn(int count, const WorkType& work, const std::string& policy_text, int nice,
                          const JoinFn& join,
                          const std::function<std::vector<int>(int)>& affinity) {
  WorkParams params;
  if (Status s = parse_work(work, params); !s) return s;
  int policy = SCHED_OTHER, priority = 0;
  if (Status s = parse_policy(policy_text, policy, priority); !s) return s;
  if (count < 0) return Status::failure("negative worker count " + std::to_string(count));
  if (count == 0) return {};
  std::unique_ptr<WorkShared> owned;
  if (Status s = make_work_shared(params, count, owned); !s)
    return Status::failure("cgroup '" + cgroup_ + "': " + s.error);
  std::shared_ptr<WorkShared> shared = std::move(owned);

  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) return Status::failure(std::string("pipe: ") + strerror(errno));
  const pid_t parent = getpid();
  std::vector<Worker> batch;
  Status result;
  for (int i = 0; i < count; ++i) {
    void* mem = mmap(nullptr, sizeof(WorkerSlot), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      result = Status::failure(std::string("mmap worker slot: ") + strerror(errno));
      break;
    }
    std::shared_ptr<WorkerSlot> slot(new (mem) WorkerSlot,
                                     [](WorkerSlot* p) { munmap(p, sizeof(WorkerSlot)); });
    pid_t pid = fork();
    if (pid == 0) worker_main(go[0], go[1], parent, slot.get(), params, shared.get(), i);
    if (pid < 0) {
      result = Status::failure(std::string("fork worker: ") + strerror(errno));
      break;
    }
    batch.push_back(Worker{pid, next_index_ + i, slot, std::chrono::steady_clock::now(), {}});
  }
  for (size_t i = 0; i < batch.size() && result.ok(); ++i) {
    Worker& w = batch[i];
    const std::string who = "worker " + std::to_string(w.index) + " of '" + cgroup_ + "'";
    if (Status s = join(w.pid); !s) {
      result = Status::failure(who + ": join cgroup: " + s.error);
      break;
    }
    std::vector<int> cpus = affinity(w.index);
    if (!cpus.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      for (int c : cpus) CPU_SET(c, &set);
      if (sched_setaffinity(w.pid, sizeof(set), &set) != 0) {
        result = Status::failure(who + ": set affinity: " + strerror(errno));
        break;
      }
    }
    if (policy != SCHED_OTHER) {
      sched_param sp{};
      sp.sched_priority = priority;
      if (sched_setscheduler(w.pid, policy, &sp) != 0) {
        result = Status::failure(who + ": policy " + policy_text + ": " + strerror(errno));
        break;
      }
    }
    if (nice != 0 && setpriority(PRIO_PROCESS, w.pid, nice) != 0) {
      result = Status::failure(who + ": nice " + std::to_string(nice) + ": " + strerror(errno));
      break;
    }
  }
  close(go[1]);  // releases the workers
  close(go[0]);
  if (!result.ok()) {
    kill_and_reap(batch);
    return result;
  }
  next_index_ += count;
  shared_.push_back(std::move(shared));
  for (auto& w : batch) workers_.push_back(std::move(w));
  return {};
}

Status WorkerGroup::set_affinity(size_t position, const std::vector<int>& cpus) {
  if (position >= workers_.size()) return Status::failure("no such worker");
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  if (sched_setaffinity(workers_[position].pid, sizeof(set), &set) != 0)
    return Status::failure("worker " + std::to_string(workers_[position].index) + " of '" +
                           cgroup_ + "': set affinity: " + strerror(errno));
  return {};
}

std::vector<WorkerStats> WorkerGroup::stop() {
  for (const auto& w : workers_) kill(w.pid, SIGKILL);
  std::vector<WorkerStats> out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& w : workers_) {
    WorkerStats s;
    s.cgroup = cgroup_;
    s.index = w.index;
    s.pid = w.pid;
    s.error = w.error;
    rusage ru{};
    int status = 0;
    pid_t r;
    while ((r = wait4(w.pid, &status, 0, &ru)) < 0 && errno == EINTR) {
    }
    if (r == w.pid) {
      s.cpu_time_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
                      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
      if (WIFEXITED(status) && s.error.empty())
        s.error = "worker exited early with status " + std::to_string(WEXITSTATUS(status));
      else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL && s.error.empty())
        s.error = std::string("worker died of signal ") + strsignal(WTERMSIG(status));
    } else if (s.error.empty()) {
      s.error = std::string("could not reap worker: ") + strerror(errno);
    }
    s.iterations = w.slot->iterations.load(std::memory_order_relaxed);
    s.max_gap_ns = w.slot->max_gap_ns.load(std::memory_order_relaxed);
    s.migrations = w.slot->migrations.load(std::memory_order_relaxed);
    s.wall_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - w.started).count());
    out.push_back(std::move(s));
  }
  workers_.clear();
  shared_.clear();
  return out;
}

std::vector<int> WorkerGroup::pids() const {
  std::vector<int> out;
  for (const auto& w : workers_) out.push_back(w.pid);
  return out;
}

bool WorkerGroup::take(int pid, Worker& out) {
  for (auto it = workers_.begin(); it != workers_.end(); ++it)
    if (it->pid == pid) {
      out = std::move(*it);
      workers_.erase(it);
      return true;
    }
  return false;
}

void WorkerGroup::adopt(Worker w) { workers_.push_back(std::move(w)); }

}  // namespace ktstr
