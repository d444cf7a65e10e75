// Worker processes (see worker_group.h).
//
// Spawning is two-phase so that no worker runs a single iteration outside its
// cgroup or affinity: each child blocks reading a "go" pipe; the parent moves
// every child into the cgroup, applies affinity, policy and nice, stamps the
// release time into each slot, then closes the pipe's write end and all
// children start at once. A worker dies with its parent (PR_SET_PDEATHSIG)
// and closes every inherited descriptor, so it never holds the agent's
// channel or result pipe open.
//
// Stopping never hangs: the stop flag and SIGUSR1 ask every worker at once,
// one deadline covers the whole group, and whatever has not exited by then is
// SIGKILLed (which also ends tasks of a frozen cgroup) and reaped, with its
// CPU time taken from wait4()'s rusage.
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
#include <cerrno>
#include <cstring>
#include <thread>

namespace ktstr {

namespace {

// Closes every descriptor from 3 up except `keep` (the pipes a work type's
// shared state hands its workers: WorkShared::fds()).
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

// Only interrupts a blocking call (no SA_RESTART); the flag is in the slot.
void on_stop_signal(int) {}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t rusage_ns(const rusage& ru) {
  return static_cast<std::uint64_t>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

struct ChildArgs {
  int go_read, go_write;
  pid_t parent;
  WorkerSlot* slot;
  const WorkParams* params;
  WorkShared* shared;
  int index;
  const std::atomic<std::uint64_t>* epoch_seq;
  std::uint64_t start_ns;
};

[[noreturn]] void worker_main(const ChildArgs& a) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Named, so that kernel messages (a sched_ext stall: "ktstr-worker[PID] failed
  // to run for ...") and scheduler dumps say what the task is; else "init".
  prctl(PR_SET_NAME, "ktstr-worker");
  if (getppid() != a.parent) _exit(0);
  close(a.go_write);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);
  char c;
  while (read(a.go_read, &c, 1) < 0 && errno == EINTR) {
  }
  close_inherited_fds(a.shared ? a.shared->fds() : std::vector<int>{});
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  WorkerSlot* slot = a.slot;
  slot->sched_start = read_schedstat("/proc/self/schedstat");
  SlotProbe probe(slot, a.epoch_seq, a.start_ns,
                  static_cast<std::uint64_t>(getpid()) * 0x9e3779b97f4a7c15ull + a.index);
  run_work(*a.params, a.shared, a.index, probe);
  const bool asked = probe.stopping();
  if (asked) probe.close_gap();
  slot->cpu_ns = thread_cpu_ns();
  slot->sched_stop = read_schedstat("/proc/self/schedstat");
  slot->stopped_ns = monotonic_ns();
  if (!asked)
    std::snprintf(slot->error, sizeof slot->error, "the '%s' work loop returned before the stop",
                  a.params->name.c_str());
  slot->done.store(1, std::memory_order_release);
  _exit(asked ? 0 : 1);
}

void kill_and_reap(const std::vector<Worker>& workers) {
  for (const auto& w : workers) kill(w.pid, SIGKILL);
  for (const auto& w : workers) {
    while (waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    w.slot->reaped.store(1, std::memory_order_relaxed);
  }
}

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return "SIG" + std::string(abbrev ? abbrev : "?") + " (" + strsignal(sig) + ")";
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

WorkerGroup::WorkerGroup(std::string cgroup, std::uint64_t scenario_start_ns,
                         const std::atomic<std::uint64_t>* epoch_seq)
    : cgroup_(std::move(cgroup)), start_ns_(scenario_start_ns), epoch_seq_(epoch_seq) {}

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
  std::unique_ptr<WorkShared> shared_owner;
  if (Status s = make_work_shared(params, count, shared_owner); !s) return s;
  std::shared_ptr<void> shared(std::move(shared_owner));
  WorkShared* shared_ptr = static_cast<WorkShared*>(shared.get());

  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) return Status::failure(std::string("pipe: ") + strerror(errno));
  const pid_t parent = getpid();
  std::vector<Worker> batch;
  Status result;
  std::vector<std::string> why;  // per batch member, when the setup failed
  for (int i = 0; i < count; ++i) {
    void* mem = mmap(nullptr, sizeof(WorkerSlot), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      result = Status::failure(std::string("mmap worker slot: ") + strerror(errno));
      break;
    }
    std::shared_ptr<WorkerSlot> slot(new (mem) WorkerSlot,
                                     [](WorkerSlot* p) { munmap(p, sizeof(WorkerSlot)); });
    const ChildArgs args{go[0],      go[1], parent,     slot.get(), &params,
                         shared_ptr, i,     epoch_seq_, start_ns_};
    pid_t pid = fork();
    if (pid == 0) worker_main(args);
    if (pid < 0) {
      result = Status::failure(std::string("fork worker: ") + strerror(errno));
      break;
    }
    batch.push_back(Worker{pid, next_index_ + i, cgroup_, params.name, slot, shared});
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
  if (!result.ok()) {
    kill_and_reap(batch);  // before the release: none of them did any work
    close(go[1]);
    close(go[0]);
    for (const Worker& w : batch) {
      WorkerReport r;
      r.cgroup = cgroup_;
      r.index = w.index;
      r.pid = w.pid;
      r.work = w.work;
      r.error = "not started: " + result.error;
      unstarted_.push_back(std::move(r));
    }
    next_index_ += count;
    return result;
  }
  const std::uint64_t released = monotonic_ns();
  for (auto& w : batch) w.slot->released_ns = released;
  close(go[1]);  // releases the workers
  close(go[0]);
  next_index_ += count;
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

std::vector<WorkerReport> WorkerGroup::stop(std::chrono::milliseconds deadline) {
  struct Pending {
    const Worker* w;
    bool reaped = false, killed = false;
    int status = 0;
    rusage ru{};
    std::uint64_t end_ns = 0;
    SchedstatSample sched_end;
  };
  std::vector<Pending> pending;
  const std::uint64_t asked_ns = monotonic_ns();
  for (const auto& w : workers_) {
    w.slot->stop.store(1, std::memory_order_seq_cst);
    kill(w.pid, SIGUSR1);
    pending.push_back({&w});
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  size_t left = pending.size();
  while (left > 0) {
    for (auto& p : pending) {
      if (p.reaped) continue;
      const pid_t r = wait4(p.w->pid, &p.status, WNOHANG, &p.ru);
      if (r == p.w->pid || (r < 0 && errno == ECHILD)) {
        p.reaped = true;
        p.end_ns = monotonic_ns();
        if (r < 0) p.status = -1;
        --left;
      }
    }
    if (left == 0 || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& p : pending) {
    if (p.reaped) continue;
    // Its run delay and timeslices so far, before it goes.
    const std::string path = "/proc/" + std::to_string(p.w->pid) + "/schedstat";
    p.sched_end = read_schedstat(path.c_str());
    // Its run ended when the stop was asked for, like everyone else's; the
    // deadline it let pass is not part of its wall time.
    p.end_ns = asked_ns;
    kill(p.w->pid, SIGKILL);
    p.killed = true;
  }
  for (auto& p : pending) {
    if (p.reaped) continue;
    pid_t r;
    while ((r = wait4(p.w->pid, &p.status, 0, &p.ru)) < 0 && errno == EINTR) {
    }
    if (r != p.w->pid) p.status = -1;
    p.reaped = true;
  }

  for (const auto& p : pending) p.w->slot->reaped.store(1, std::memory_order_relaxed);
  std::vector<WorkerReport> out = std::move(unstarted_);
  unstarted_.clear();
  const long long deadline_ms = deadline.count();
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g s", static_cast<double>(deadline_ms) / 1000.0);
  for (const auto& p : pending) {
    const Worker& w = *p.w;
    const WorkerSlot& slot = *w.slot;
    WorkerReport r;
    r.cgroup = cgroup_;  // where it is now: a moved worker is reported in its new cgroup
    r.index = w.index;
    r.pid = w.pid;
    r.work = w.work;
    fill_report(slot, start_ns_, r);
    const bool done = slot.done.load(std::memory_order_acquire) != 0;
    if (!done) {
      // No final record: the kernel's accounting is all there is.
      r.cpu_ns = rusage_ns(p.ru);
      r.wall_ns = p.end_ns > slot.released_ns ? p.end_ns - slot.released_ns : 0;
      if (slot.sched_start.valid && p.sched_end.valid &&
          p.sched_end.cpu_ns >= slot.sched_start.cpu_ns) {
        r.schedstat = {true, p.sched_end.cpu_ns - slot.sched_start.cpu_ns,
                       p.sched_end.run_delay_ns - slot.sched_start.run_delay_ns,
                       p.sched_end.timeslices - slot.sched_start.timeslices};
      }
      r.off_cpu_ns = r.wall_ns > r.cpu_ns ? r.wall_ns - r.cpu_ns : 0;
    }
    if (p.killed) {
      r.error = std::string("did not stop within ") + limit + "; killed";
    } else if (p.status == -1) {
      r.error = "could not be reaped (it was not a child of the agent any more)";
    } else if (WIFSIGNALED(p.status)) {
      r.error = "died of signal " + signal_text(WTERMSIG(p.status)) + " before the stop";
    } else if (WIFEXITED(p.status) && (WEXITSTATUS(p.status) != 0 || !done)) {
      r.error = slot.error[0] ? std::string(slot.error, strnlen(slot.error, sizeof slot.error))
                              : "exited early with status " + std::to_string(WEXITSTATUS(p.status));
    } else {
      r.completed = true;
    }
    out.push_back(std::move(r));
  }
  workers_.clear();
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

WorkerStats to_worker_stats(const WorkerReport& r) {
  WorkerStats s;
  s.cgroup = r.cgroup;
  s.index = r.index;
  s.pid = r.pid;
  s.iterations = r.iterations;
  s.work_units = r.work_units;
  s.cpu_time_ns = r.cpu_ns;
  s.wall_ns = r.wall_ns;
  s.off_cpu_ns = r.off_cpu_ns;
  s.max_gap_ns = r.max_gap.ns;
  s.migrations = r.migrations;
  s.completed = r.completed;
  s.error = r.error;
  return s;
}

}  // namespace ktstr
