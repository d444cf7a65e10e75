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

#include <atomic>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace ktstr {

/// Progress a worker publishes; lives in a MAP_SHARED page.
struct WorkerSlot {
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> max_gap_ns{0};
  std::atomic<std::uint64_t> migrations{0};
};

namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

std::uint64_t spin_units(std::uint64_t n, std::uint64_t x) {
  for (std::uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));
  }
  return x;
}

void close_inherited_fds() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (long fd = 3; fd < max; ++fd) close(static_cast<int>(fd));
}

[[noreturn]] void worker_main(int go_read, int go_write, pid_t parent, WorkerSlot* slot,
                              const WorkParams& params) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Named, so that kernel messages (a sched_ext stall: "ktstr-worker[PID] failed
  // to run for ...") and scheduler dumps say what the task is; else "init".
  prctl(PR_SET_NAME, "ktstr-worker");
  if (getppid() != parent) _exit(0);
  close(go_write);
  char c;
  while (read(go_read, &c, 1) < 0 && errno == EINTR) {
  }
  close_inherited_fds();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  const std::uint64_t chunk = params.kind == WorkParams::Kind::yield ? 256 : 4096;
  std::uint64_t x = static_cast<std::uint64_t>(getpid());
  std::uint64_t iterations = 0, max_gap = 0, migrations = 0;
  std::uint64_t last = now_ns(), burst_start = last;
  int last_cpu = sched_getcpu();
  for (;;) {
    x = spin_units(chunk, x);
    iterations += chunk;
    slot->iterations.store(iterations, std::memory_order_relaxed);
    const std::uint64_t t = now_ns();
    if (t - last > max_gap) {
      max_gap = t - last;
      slot->max_gap_ns.store(max_gap, std::memory_order_relaxed);
    }
    last = t;
    const int cpu = sched_getcpu();
    if (cpu != last_cpu) {
      last_cpu = cpu;
      slot->migrations.store(++migrations, std::memory_order_relaxed);
    }
    if (params.kind == WorkParams::Kind::yield) {
      sched_yield();
    } else if (params.kind == WorkParams::Kind::bursty &&
               t - burst_start >= static_cast<std::uint64_t>(params.burst_ms) * 1000000ull) {
      timespec ts{params.sleep_ms / 1000, (params.sleep_ms % 1000) * 1000000L};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
      // A deliberate sleep is not a scheduling gap.
      last = burst_start = now_ns();
    }
  }
}

void kill_and_reap(const std::vector<Worker>& workers) {
  for (const auto& w : workers) kill(w.pid, SIGKILL);
  for (const auto& w : workers)
    while (waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Status parse_work(const WorkType& work, WorkParams& params) {
  nlohmann::json args =
      nlohmann::json::parse(work.args_json.empty() ? "{}" : work.args_json, nullptr, false);
  if (args.is_discarded() || !args.is_object())
    return Status::failure("work '" + work.name +
                           "': work_args is not a JSON object: " + work.args_json);
  auto int_arg = [&](const char* key, int fallback, int& out) -> Status {
    out = fallback;
    if (!args.contains(key)) return {};
    if (!args[key].is_number_integer() || args[key].get<long long>() < 0 ||
        args[key].get<long long>() > 3600000)
      return Status::failure("work '" + work.name + "': " + key +
                             " must be a whole number of milliseconds (0-3600000)");
    out = args[key].get<int>();
    return {};
  };
  if (work.name == "spin" || work.name == "yield") {
    params.kind = work.name == "spin" ? WorkParams::Kind::spin : WorkParams::Kind::yield;
    if (!args.empty())
      return Status::failure("work '" + work.name + "' takes no work_args (got " + args.dump() +
                             ")");
    return {};
  }
  if (work.name == "bursty") {
    params.kind = WorkParams::Kind::bursty;
    for (auto it = args.begin(); it != args.end(); ++it)
      if (it.key() != "burst_ms" && it.key() != "sleep_ms")
        return Status::failure("work 'bursty': unknown work_args key '" + it.key() +
                               "' (accepted: burst_ms, sleep_ms)");
    if (Status s = int_arg("burst_ms", 10, params.burst_ms); !s) return s;
    if (Status s = int_arg("sleep_ms", 10, params.sleep_ms); !s) return s;
    if (params.burst_ms == 0) params.burst_ms = 1;
    return {};
  }
  return Status::failure("work type '" + work.name +
                         "' is not supported yet by this agent (supported: spin, yield, bursty)");
}

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
    if (pid == 0) worker_main(go[0], go[1], parent, slot.get(), params);
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
