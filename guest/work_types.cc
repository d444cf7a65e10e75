// The work loops (docs/work-types.md). Each loop does its type's iteration
// until probe.stopping() and brackets every deliberate wait with
// wait_begin()/wait_end(sample), so that the wait is not a scheduling gap.
//
// What is sampled as a wake/resume latency:
// - a wait on a partner (futex, pipe, lock): the waker stores monotonic_ns()
//   in the shared state just before it wakes; the wakee samples now minus that
//   (the time from "you may run" to running). The reference samples the time
//   across the blocking call, which also counts how long the partner worked.
// - a timed sleep: the overshoot past the requested wake-up time.
// - sched_yield and waitpid: the time across the call.
//
// No wait can hang a worker: partner waits use FUTEX_WAIT or poll with a
// kPollMs timeout and look at probe.stopping() after each, and long sleeps
// are cut into kPollMs slices. A dead partner leaves its worker waiting until
// it is asked to stop.
#include "guest/work_types.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <nlohmann/json.hpp>

#include "guest/protocol/work_args.h"

namespace ktstr {

namespace {

constexpr int kPollMs = 100;  // longest time a wait goes without looking at stopping()
constexpr std::uint64_t kMs = 1000000;
// Work units a page_fault_churn touch counts for: a minor fault with a zeroed
// page costs about as much as 256 spin units natively, and the weight keeps
// its checkpoints (every 1024 units) a few faults apart, as close in time as
// another type's; one unit per fault put them seconds apart under TCG.
constexpr std::uint64_t kFaultUnits = 256;

// One group of workers that work together, in MAP_SHARED memory.
struct alignas(64) GroupState {
  std::atomic<std::uint32_t> word{0};          // ping-pong turn, lock word, fan-out generation
  std::atomic<std::uint32_t> acks{0};          // fan-out: receivers done with this generation
  std::atomic<std::uint64_t> wake_ns[2] = {};  // set by a waker for side 0/1 before it wakes
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

class SharedState final : public WorkShared {
 public:
  ~SharedState() override {
    if (groups_) munmap(groups_, bytes_);
    for (int fd : fds_) close(fd);
  }
  std::vector<int> fds() const override { return fds_; }
  GroupState* groups_ = nullptr;
  size_t count_ = 0;
  size_t bytes_ = 0;
  std::vector<int> fds_;  // per group: pipe 0->1 (read, write), pipe 1->0 (read, write)
};

std::uint32_t* futex_word(std::atomic<std::uint32_t>& a) {
  return reinterpret_cast<std::uint32_t*>(&a);
}

// Sleeps while *word == val, at most kPollMs. Shared (not private) futexes:
// the workers are separate processes.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t val) {
  timespec ts{0, kPollMs * 1000000L};
  syscall(SYS_futex, futex_word(word), FUTEX_WAIT, val, &ts, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>& word, int n) {
  syscall(SYS_futex, futex_word(word), FUTEX_WAKE, n, nullptr, nullptr, 0);
}

// The spin unit: one step of a 64-bit LCG the compiler cannot drop.
struct Spinner {
  std::uint64_t x;
  // One spin unit is four LCG steps: a checkpoint (every 1024 units) then
  // costs ~1 % of a spinner's time instead of ~3 % (bench/telemetry_overhead).
  void spin(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      for (int k = 0; k < 4; ++k) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        asm volatile("" : "+r"(x));
      }
    }
  }
  std::uint64_t next() {  // xorshift, for random choices
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};

std::uint64_t since(std::uint64_t t) {
  const std::uint64_t now = monotonic_ns();
  return now > t ? now - t : 0;
}

void sampled_yield(WorkProbe& probe) {
  probe.wait_begin();
  const std::uint64_t t0 = monotonic_ns();
  sched_yield();
  probe.wait_end(since(t0));
}

// Sleeps `ns`; samples the overshoot. False if asked to stop meanwhile.
bool timed_sleep(WorkProbe& probe, std::uint64_t ns) {
  if (ns == 0) return true;
  probe.wait_begin();
  const std::uint64_t deadline = monotonic_ns() + ns;
  for (std::uint64_t now = monotonic_ns(); now < deadline; now = monotonic_ns()) {
    if (probe.stopping()) {
      probe.wait_end(WorkProbe::kNoSample);
      return false;
    }
    const std::uint64_t until = std::min(deadline, now + kPollMs * kMs);
    timespec ts{static_cast<time_t>(until / 1000000000ull),
                static_cast<long>(until % 1000000000ull)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
  }
  probe.wait_end(since(deadline));
  return true;
}

bool has_cap_sys_nice() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return data[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32));
}

// A strided read-modify-write pass over `buf`; returns the accesses made.
std::uint64_t cache_pass(std::vector<unsigned char>& buf, size_t stride) {
  std::uint64_t n = 0;
  volatile unsigned char* p = buf.data();
  for (size_t off = 0; off < buf.size(); off += stride, ++n) p[off] = p[off] + 1;
  return n;
}

// --- loops without a partner ------------------------------------------------

void run_alone(const std::string& name, const WorkParams& params, WorkProbe& probe, Spinner& s) {
  if (name == "spin") {
    while (!probe.stopping()) s.spin(1024), probe.units(1024), probe.iteration();
  } else if (name == "yield") {
    while (!probe.stopping()) s.spin(1), probe.units(1), sampled_yield(probe), probe.iteration();
  } else if (name == "mixed") {
    while (!probe.stopping())
      s.spin(1024), probe.units(1024), sampled_yield(probe), probe.iteration();
  } else if (name == "bursty") {
    const std::uint64_t burst = static_cast<std::uint64_t>(params.arg("burst_ms")) * kMs;
    const std::uint64_t sleep = static_cast<std::uint64_t>(params.arg("sleep_ms")) * kMs;
    while (!probe.stopping()) {
      const std::uint64_t t0 = monotonic_ns();
      while (since(t0) < burst && !probe.stopping()) s.spin(1024), probe.units(1024);
      if (!timed_sleep(probe, sleep)) break;
      probe.iteration();
    }
  } else if (name == "io_sync") {
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) fd = memfd_create("ktstr-io_sync", MFD_CLOEXEC);
    char block[4096];
    std::memset(block, 0x5a, sizeof block);
    while (!probe.stopping()) {
      for (int i = 0; i < 16; ++i)
        if (pwrite(fd, block, sizeof block, static_cast<off_t>(i) * 4096) < 0) break;
      fdatasync(fd);
      probe.units(16);
      if (!timed_sleep(probe, 100000)) break;
      probe.iteration();
    }
    if (fd >= 0) close(fd);
  } else if (name == "cache_pressure" || name == "cache_yield") {
    std::vector<unsigned char> buf(static_cast<size_t>(params.arg("size_kb")) * 1024);
    const size_t stride = static_cast<size_t>(params.arg("stride"));
    const bool yield = name == "cache_yield";
    while (!probe.stopping()) {
      probe.units(cache_pass(buf, stride));
      if (yield) sampled_yield(probe);
      probe.iteration();
    }
  } else if (name == "fork_exit") {
    while (!probe.stopping()) {
      const pid_t pid = fork();
      if (pid == 0) _exit(0);
      if (pid < 0) {  // out of processes: back off rather than spin on fork
        timed_sleep(probe, kMs);
        continue;
      }
      probe.wait_begin();
      const std::uint64_t t0 = monotonic_ns();
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      probe.wait_end(since(t0));
      probe.units(1);
      probe.iteration();
    }
  } else if (name == "nice_sweep") {
    // Without CAP_SYS_NICE a process may only raise its nice value: the sweep
    // then goes once from the starting value to 19 and stays there.
    const bool may_lower = has_cap_sys_nice();
    int nice = getpriority(PRIO_PROCESS, 0);
    while (!probe.stopping()) {
      s.spin(512);
      probe.units(512);
      const int next = nice >= 19 ? (may_lower ? -20 : 19) : nice + 1;
      if (next != nice && setpriority(PRIO_PROCESS, 0, next) == 0) nice = next;
      sampled_yield(probe);
      probe.iteration();
    }
  } else if (name == "affinity_churn") {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    sched_getaffinity(0, sizeof allowed, &allowed);
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    const auto spin = static_cast<std::uint64_t>(params.arg("spin_iters"));
    while (!probe.stopping()) {
      s.spin(spin);
      probe.units(spin);
      if (!cpus.empty()) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[s.next() % cpus.size()], &one);
        // Refused when a cpuset change took the CPU away: the next pick may fit.
        sched_setaffinity(0, sizeof one, &one);
      }
      sampled_yield(probe);
      probe.iteration();
    }
  } else if (name == "policy_churn") {
    std::vector<int> cycle = {SCHED_OTHER, SCHED_BATCH};
    // Leaving SCHED_IDLE and entering FIFO/RR need CAP_SYS_NICE.
    if (has_cap_sys_nice()) cycle.insert(cycle.end(), {SCHED_IDLE, SCHED_FIFO, SCHED_RR});
    const auto spin = static_cast<std::uint64_t>(params.arg("spin_iters"));
    size_t at = 0;
    while (!probe.stopping()) {
      s.spin(spin);
      probe.units(spin);
      at = (at + 1) % cycle.size();
      sched_param sp{};
      sp.sched_priority = cycle[at] == SCHED_FIFO || cycle[at] == SCHED_RR ? 1 : 0;
      sched_setscheduler(0, cycle[at], &sp);
      sampled_yield(probe);
      probe.iteration();
    }
  } else if (name == "page_fault_churn") {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = static_cast<size_t>(params.arg("region_kb")) * 1024;
    const size_t pages = std::max<size_t>(1, bytes / page);
    void* mem =
        mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    auto* region = static_cast<volatile unsigned char*>(mem);
    const auto touches = static_cast<std::uint64_t>(params.arg("touches"));
    const auto spin = static_cast<std::uint64_t>(params.arg("spin_iters"));
    while (!probe.stopping()) {
      for (std::uint64_t i = 0; i < touches; ++i) {
        region[(s.next() % pages) * page] = 1;
        probe.units(kFaultUnits);
      }
      madvise(mem, pages * page, MADV_DONTNEED);
      s.spin(spin);
      probe.units(spin);
      probe.iteration();
    }
    munmap(mem, pages * page);
  }
}

// --- loops with partners -------------------------------------------------------

// Waits for one byte from the partner; samples now - the partner's wake stamp.
bool pipe_wait(int fd, std::atomic<std::uint64_t>& stamp, WorkProbe& probe) {
  probe.wait_begin();
  for (;;) {
    if (probe.stopping()) {
      probe.wait_end(WorkProbe::kNoSample);
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    char c;
    if (read(fd, &c, 1) == 1) break;
  }
  probe.wait_end(since(stamp.load(std::memory_order_acquire)));
  return true;
}

// pipe_io and cache_pipe: side 0 works and writes; side 1 reads, works, writes.
void run_pipe(const std::string& name, const WorkParams& params, GroupState& g, const int* fds,
              int side, WorkProbe& probe, Spinner& s) {
  const int in = fds[2 * (1 - side)], out = fds[2 * side + 1];
  const bool cache = name == "cache_pipe";
  std::vector<unsigned char> buf(cache ? static_cast<size_t>(params.arg("size_kb")) * 1024 : 0);
  const auto burst = cache ? 0 : static_cast<std::uint64_t>(params.arg("burst_iters"));
  const size_t stride = cache ? static_cast<size_t>(params.arg("stride")) : 1;
  bool my_turn = side == 0;
  while (!probe.stopping()) {
    if (!my_turn && !pipe_wait(in, g.wake_ns[side], probe)) break;
    if (cache) {
      probe.units(cache_pass(buf, stride));
    } else {
      s.spin(burst);
      probe.units(burst);
    }
    g.wake_ns[1 - side].store(monotonic_ns(), std::memory_order_release);
    const char c = 1;
    if (write(out, &c, 1) != 1) {
    }  // non-blocking: a full pipe means the partner is gone
    my_turn = false;
    probe.iteration();
  }
}

void run_ping_pong(const WorkParams& params, GroupState& g, int side, WorkProbe& probe,
                   Spinner& s) {
  const auto spin = static_cast<std::uint64_t>(params.arg("spin_iters"));
  const auto me = static_cast<std::uint32_t>(side), other = 1 - me;
  while (!probe.stopping()) {
    if (g.word.load(std::memory_order_acquire) != me) {
      probe.wait_begin();
      while (g.word.load(std::memory_order_acquire) != me && !probe.stopping())
        futex_wait(g.word, other);
      if (g.word.load(std::memory_order_acquire) != me) {
        probe.wait_end(WorkProbe::kNoSample);
        break;
      }
      probe.wait_end(since(g.wake_ns[side].load(std::memory_order_acquire)));
    }
    s.spin(spin);
    probe.units(spin);
    g.wake_ns[other].store(monotonic_ns(), std::memory_order_release);
    g.word.store(other, std::memory_order_release);
    futex_wake(g.word, 1);
    probe.iteration();
  }
}

// One messenger (side 0) per group wakes its receivers and waits for all of
// them to finish their spin before the next generation.
void run_fan_out(const WorkParams& params, GroupState& g, int side, WorkProbe& probe, Spinner& s) {
  const auto spin = static_cast<std::uint64_t>(params.arg("spin_iters"));
  const auto receivers = static_cast<std::uint32_t>(params.arg("fan_out"));
  std::uint32_t seen = g.word.load(std::memory_order_acquire);
  while (!probe.stopping()) {
    s.spin(spin);
    probe.units(spin);
    if (side == 0) {
      g.acks.store(0, std::memory_order_relaxed);
      g.wake_ns[0].store(monotonic_ns(), std::memory_order_release);
      g.word.fetch_add(1, std::memory_order_acq_rel);
      futex_wake(g.word, INT_MAX);
      probe.wait_begin();
      std::uint32_t a;
      while ((a = g.acks.load(std::memory_order_acquire)) < receivers && !probe.stopping())
        futex_wait(g.acks, a);
      if (g.acks.load(std::memory_order_acquire) < receivers) {
        probe.wait_end(WorkProbe::kNoSample);
        break;
      }
      probe.wait_end(since(g.wake_ns[1].load(std::memory_order_acquire)));
    } else {
      if (g.acks.fetch_add(1, std::memory_order_acq_rel) + 1 == receivers) {
        g.wake_ns[1].store(monotonic_ns(), std::memory_order_release);
        futex_wake(g.acks, 1);
      }
      probe.wait_begin();
      while (g.word.load(std::memory_order_acquire) == seen && !probe.stopping())
        futex_wait(g.word, seen);
      if (g.word.load(std::memory_order_acquire) == seen) {
        probe.wait_end(WorkProbe::kNoSample);
        break;
      }
      seen = g.word.load(std::memory_order_acquire);
      probe.wait_end(since(g.wake_ns[0].load(std::memory_order_acquire)));
    }
    probe.iteration();
  }
}

// A futex lock (Drepper's "Futexes are tricky", mutex 2): 0 free, 1 held,
// 2 held with waiters. The releaser stamps wake_ns[0] before it unlocks.
bool lock(GroupState& g, WorkProbe& probe) {
  std::uint32_t c = 0;
  if (g.word.compare_exchange_strong(c, 1, std::memory_order_acquire)) return true;
  probe.wait_begin();
  if (c != 2) c = g.word.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    if (probe.stopping()) {
      probe.wait_end(WorkProbe::kNoSample);
      return false;
    }
    futex_wait(g.word, 2);
    c = g.word.exchange(2, std::memory_order_acquire);
  }
  probe.wait_end(since(g.wake_ns[0].load(std::memory_order_acquire)));
  return true;
}

void unlock(GroupState& g) {
  g.wake_ns[0].store(monotonic_ns(), std::memory_order_release);
  if (g.word.exchange(0, std::memory_order_release) == 2) futex_wake(g.word, 1);
}

void run_mutex(const WorkParams& params, GroupState& g, WorkProbe& probe, Spinner& s) {
  const auto hold = static_cast<std::uint64_t>(params.arg("hold_iters"));
  const auto work = static_cast<std::uint64_t>(params.arg("work_iters"));
  while (!probe.stopping()) {
    s.spin(work);
    if (!lock(g, probe)) break;
    s.spin(hold);
    unlock(g);
    probe.units(work + hold);
    probe.iteration();
  }
}

bool needs_groups(const std::string& name) {
  return name == "pipe_io" || name == "cache_pipe" || name == "futex_ping_pong" ||
         name == "futex_fan_out" || name == "mutex_contention";
}

bool needs_pipes(const std::string& name) { return name == "pipe_io" || name == "cache_pipe"; }

}  // namespace

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

double WorkParams::arg(const std::string& key) const {
  for (const auto& [k, v] : args)
    if (k == key) return v;
  return 0;
}

Status parse_work(const WorkType& work, WorkParams& params) {
  const nlohmann::json args =
      nlohmann::json::parse(work.args_json.empty() ? "{}" : work.args_json, nullptr, false);
  if (args.is_discarded() || !args.is_object())
    return Status::failure("work '" + work.name +
                           "': work_args is not a JSON object: " + work.args_json);
  CheckedWorkArgs checked;
  if (std::string why = check_work_args(work.name, args, checked); !why.empty())
    return Status::failure(why);
  params.name = work.name;
  params.args = std::move(checked.values);
  params.divisor = checked.divisor;
  return {};
}

Status make_work_shared(const WorkParams& params, int count, std::unique_ptr<WorkShared>& out) {
  if (std::string why = check_worker_count(params.name, params.divisor, count); !why.empty())
    return Status::failure(why);
  auto state = std::make_unique<SharedState>();
  if (needs_groups(params.name) && count > 0) {
    state->count_ = static_cast<size_t>(count / std::max(1, params.divisor));
    state->bytes_ = state->count_ * sizeof(GroupState);
    void* mem =
        mmap(nullptr, state->bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
      return Status::failure(params.name + ": mmap shared state: " + strerror(errno));
    state->groups_ = static_cast<GroupState*>(mem);
    for (size_t i = 0; i < state->count_; ++i) new (&state->groups_[i]) GroupState;
  }
  if (needs_pipes(params.name))
    for (size_t i = 0; i < 2 * state->count_; ++i) {
      int p[2];
      if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return Status::failure(params.name + ": pipe for " + std::to_string(count) +
                               " workers: " + strerror(errno));
      state->fds_.push_back(p[0]);
      state->fds_.push_back(p[1]);
    }
  out = std::move(state);
  return {};
}

void run_work(const WorkParams& params, WorkShared* shared, int index, WorkProbe& probe) {
  Spinner s{((static_cast<std::uint64_t>(getpid()) * 0x9e3779b97f4a7c15ull) ^ monotonic_ns()) | 1};
  if (!needs_groups(params.name)) return run_alone(params.name, params, probe, s);
  auto* state = dynamic_cast<SharedState*>(shared);
  const int div = std::max(1, params.divisor);
  if (!state || index < 0 || static_cast<size_t>(index / div) >= state->count_) return;
  GroupState& g = state->groups_[index / div];
  const int side = index % div;
  if (needs_pipes(params.name))
    return run_pipe(params.name, params, g, &state->fds_[4 * (index / div)], side, probe, s);
  if (params.name == "futex_ping_pong") return run_ping_pong(params, g, side, probe, s);
  if (params.name == "futex_fan_out") return run_fan_out(params, g, side, probe, s);
  run_mutex(params, g, probe, s);
}

}  // namespace ktstr
