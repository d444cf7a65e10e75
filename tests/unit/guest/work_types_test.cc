// Work types: every type runs in forked workers with a probe that records what
// the loop reported; pairs wake each other; a dead partner never keeps a
// worker from stopping; work_args and worker counts are validated.
#include "guest/work_types.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "guest/protocol/work_args.h"

namespace ktstr {
namespace {

// What one worker's probe saw; lives in MAP_SHARED memory.
struct Counters {
  std::atomic<std::uint64_t> units{0}, iterations{0}, begun{0}, ended{0}, samples{0}, max_sample{0};
  std::atomic<bool> nested{false};  // wait_begin inside a wait, or wait_end outside one
  std::atomic<bool> stop{false};
};

class TestProbe final : public WorkProbe {
 public:
  explicit TestProbe(Counters* c) : c_(c) {}
  void units(std::uint64_t n) override { c_->units += n; }
  void iteration() override { ++c_->iterations; }
  void wait_begin() override {
    if (in_wait_) c_->nested = true;
    in_wait_ = true;
    ++c_->begun;
  }
  void wait_end(std::uint64_t ns) override {
    if (!in_wait_) c_->nested = true;
    in_wait_ = false;
    ++c_->ended;
    if (ns == kNoSample) return;
    ++c_->samples;
    if (ns > c_->max_sample) c_->max_sample = ns;
  }
  bool stopping() const override { return c_->stop.load(); }

 private:
  Counters* c_;
  bool in_wait_ = false;
};

struct Outcome {
  Counters c;      // copy of the counters at the end
  bool stopped{};  // exited by itself, status 0, after being asked to stop
  bool killed{};   // the test killed it
};

// Runs `count` workers of `name` for `ms`, asks them to stop and gives them 3 s
// to exit. `kill_index` >= 0 is SIGKILLed a third of the way in.
std::vector<Outcome> run_workers(const std::string& name, const std::string& args, int count,
                                 int ms, int kill_index = -1) {
  WorkParams params;
  Status s = parse_work(WorkType{name, args}, params);
  EXPECT_TRUE(s.ok()) << s.error;
  std::unique_ptr<WorkShared> shared;
  s = make_work_shared(params, count, shared);
  EXPECT_TRUE(s.ok()) << s.error;
  const size_t bytes = sizeof(Counters) * static_cast<size_t>(count);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* counters = static_cast<Counters*>(mem);
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    new (&counters[i]) Counters;
    const pid_t pid = fork();
    if (pid == 0) {
      TestProbe probe(&counters[i]);
      run_work(params, shared.get(), i, probe);
      _exit(0);
    }
    pids.push_back(pid);
  }
  std::vector<Outcome> out(static_cast<size_t>(count));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms / 3));
  if (kill_index >= 0) {
    kill(pids[static_cast<size_t>(kill_index)], SIGKILL);
    out[static_cast<size_t>(kill_index)].killed = true;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms - ms / 3));
  for (int i = 0; i < count; ++i) counters[i].stop = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int i = 0; i < count; ++i) {
    int status = 0;
    pid_t r = 0;
    while ((r = waitpid(pids[i], &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (r == 0) {  // still running: a hang
      kill(pids[i], SIGKILL);
      waitpid(pids[i], &status, 0);
    }
    Outcome& o = out[static_cast<size_t>(i)];
    o.stopped = r == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    o.c.units = counters[i].units.load();
    o.c.iterations = counters[i].iterations.load();
    o.c.begun = counters[i].begun.load();
    o.c.ended = counters[i].ended.load();
    o.c.samples = counters[i].samples.load();
    o.c.max_sample = counters[i].max_sample.load();
    o.c.nested = counters[i].nested.load();
  }
  munmap(mem, bytes);
  return out;
}

// Quick arguments where the defaults would make a short run do little.
std::string quick_args(const std::string& name) {
  if (name == "bursty") return R"({"burst_ms": 5, "sleep_ms": 5})";
  if (name == "mutex_contention") return R"({"contenders": 2, "hold_iters": 200000})";
  if (name == "futex_fan_out") return R"({"fan_out": 2})";
  return "{}";
}

// Types whose every iteration waits, and so samples a latency.
bool samples_wakes(const std::string& name) {
  return name != "spin" && name != "cache_pressure" && name != "page_fault_churn";
}

class EveryWorkType : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryWorkType, AdvancesWorkUnitsAndIterationsAndStopsWhenAsked) {
  const std::string name = GetParam();
  WorkParams params;
  ASSERT_TRUE(parse_work(WorkType{name, quick_args(name)}, params).ok());
  const int count = std::max(2, params.divisor);
  // mutex_contention samples only a contended acquire, which a loaded host
  // (one free CPU) makes rare for one of the two: give it longer, and ask the
  // samples of the group, not of each worker.
  const bool per_group = name == "mutex_contention";
  const auto out = run_workers(name, quick_args(name), count, per_group ? 1000 : 300);
  std::uint64_t group_samples = 0;
  for (const auto& o : out) group_samples += o.c.samples;
  if (per_group) {
    EXPECT_GT(group_samples, 0u) << "no contended acquire was sampled";
  }
  for (size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE(name + " worker " + std::to_string(i));
    const Counters& c = out[i].c;
    EXPECT_TRUE(out[i].stopped) << "did not exit within 3 s of being asked to stop";
    EXPECT_GT(c.units, 0u);
    EXPECT_GT(c.iterations, 0u);
    EXPECT_FALSE(c.nested) << "wait_begin/wait_end not paired";
    EXPECT_EQ(c.begun, c.ended) << "a wait left open";
    if (samples_wakes(name)) {
      if (!per_group) {
        EXPECT_GT(c.samples, 0u) << "no wake/resume latency sampled";
      }
      // A latency against a stamp the partner never set would be the uptime.
      EXPECT_LT(c.max_sample, 2000000000u) << "a sample is not a wake latency";
    } else {
      EXPECT_EQ(c.begun, 0u) << name << " has no deliberate wait";
    }
  }
}

std::vector<std::string> all_names() {
  std::vector<std::string> out;
  for (const auto& t : work_type_specs()) out.push_back(t.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(WorkTypes, EveryWorkType, ::testing::ValuesIn(all_names()),
                         [](const auto& info) { return info.param; });

TEST(WorkTypes, FutexPingPongWakesBothSidesInTurn) {
  const auto out = run_workers("futex_ping_pong", "{}", 4, 300);
  for (const auto& o : out) {
    EXPECT_GT(o.c.samples, 0u);
    // At most one wait per iteration: a side that finds its turn already
    // come does not block, and an unblocked turn is not sampled.
    EXPECT_LE(o.c.samples, o.c.iterations + 1);
  }
  // Partners alternate, so their iteration counts differ by at most one.
  EXPECT_LE(std::max(out[0].c.iterations, out[1].c.iterations) -
                std::min(out[0].c.iterations, out[1].c.iterations),
            1u);
}

TEST(WorkTypes, BurstySleepSamplesTheOvershootNotTheSleep) {
  const auto out = run_workers("bursty", R"({"burst_ms": 1, "sleep_ms": 400})", 1, 1000);
  ASSERT_GT(out[0].c.samples, 0u);
  EXPECT_LT(out[0].c.max_sample, 400000000u);
}

// Runs one worker of `name` and calls `observe(pid)` every 5 ms for `ms`.
template <typename F>
void while_running(const std::string& name, int ms, F observe) {
  WorkParams params;
  ASSERT_TRUE(parse_work(WorkType{name, "{}"}, params).ok());
  std::unique_ptr<WorkShared> shared;
  ASSERT_TRUE(make_work_shared(params, 1, shared).ok());
  void* mem =
      mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* c = new (mem) Counters;
  const pid_t pid = fork();
  if (pid == 0) {
    TestProbe probe(c);
    run_work(params, shared.get(), 0, probe);
    _exit(0);
  }
  for (int t = 0; t < ms; t += 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    observe(pid);
  }
  c->stop = true;
  waitpid(pid, nullptr, 0);
  munmap(mem, sizeof(Counters));
}

TEST(WorkTypes, AffinityChurnPinsItselfToOneCpuOfItsAllowedSet) {
  cpu_set_t start;
  ASSERT_EQ(sched_getaffinity(0, sizeof start, &start), 0);
  if (CPU_COUNT(&start) < 2) GTEST_SKIP() << "needs 2 CPUs";
  std::set<int> pinned;
  while_running("affinity_churn", 300, [&](pid_t pid) {
    cpu_set_t now;
    if (sched_getaffinity(pid, sizeof now, &now) != 0 || CPU_COUNT(&now) != 1) return;
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &now)) {
        EXPECT_TRUE(CPU_ISSET(c, &start)) << "pinned to CPU " << c << ", outside its set";
        pinned.insert(c);
      }
  });
  EXPECT_GE(pinned.size(), 2u) << "never re-pinned to another CPU";
}

TEST(WorkTypes, NiceSweepAndPolicyChurnChangeTheirOwnSettings) {
  std::set<int> nices, policies;
  while_running("nice_sweep", 300,
                [&](pid_t pid) { nices.insert(getpriority(PRIO_PROCESS, pid)); });
  while_running("policy_churn", 300, [&](pid_t pid) {
    policies.insert(sched_getscheduler(pid) & ~SCHED_RESET_ON_FORK);
  });
  EXPECT_GE(nices.size(), 3u);
  EXPECT_GE(policies.size(), 2u);
  policies.erase(-1);
  for (int p : policies)
    EXPECT_TRUE(p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE || p == SCHED_FIFO ||
                p == SCHED_RR)
        << p;
}

class PartnerKilled : public ::testing::TestWithParam<std::string> {};

TEST_P(PartnerKilled, TheSurvivorsStillStop) {
  const std::string name = GetParam();
  WorkParams params;
  ASSERT_TRUE(parse_work(WorkType{name, quick_args(name)}, params).ok());
  for (int victim : {0, params.divisor - 1}) {
    const auto out = run_workers(name, quick_args(name), params.divisor, 400, victim);
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].killed) continue;
      EXPECT_TRUE(out[i].stopped) << name << " worker " << i << " hung";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Grouped, PartnerKilled,
                         ::testing::Values("pipe_io", "futex_ping_pong", "cache_pipe",
                                           "futex_fan_out", "mutex_contention"),
                         [](const auto& info) { return std::string(info.param); });

std::string shared_error(const std::string& name, const std::string& args, int count) {
  WorkParams params;
  Status s = parse_work(WorkType{name, args}, params);
  if (!s) return "parse: " + s.error;
  std::unique_ptr<WorkShared> shared;
  return make_work_shared(params, count, shared).error;
}

TEST(WorkTypes, GroupedTypesRefuseACountTheirGroupDoesNotDivide) {
  EXPECT_EQ(shared_error("futex_ping_pong", "{}", 3),
            "futex_ping_pong needs a worker count divisible by 2 (its workers work in groups of "
            "2), got 3");
  EXPECT_NE(shared_error("pipe_io", "{}", 1).find("divisible by 2"), std::string::npos);
  EXPECT_NE(shared_error("cache_pipe", "{}", 5).find("divisible by 2"), std::string::npos);
  EXPECT_NE(shared_error("mutex_contention", "{}", 6).find("divisible by 4"), std::string::npos);
  EXPECT_EQ(shared_error("mutex_contention", R"({"contenders": 3})", 6), "");
  EXPECT_NE(shared_error("futex_fan_out", R"({"fan_out": 2})", 4).find("divisible by 3"),
            std::string::npos);
  EXPECT_EQ(shared_error("futex_fan_out", "{}", 10), "");
  EXPECT_EQ(shared_error("spin", "{}", 3), "");
}

TEST(WorkTypes, DefaultsAreAppliedAndSetTheDivisor) {
  WorkParams p;
  ASSERT_TRUE(parse_work(WorkType{"bursty", "{}"}, p).ok());
  EXPECT_EQ(p.arg("burst_ms"), 50);
  EXPECT_EQ(p.arg("sleep_ms"), 100);
  EXPECT_EQ(p.divisor, 1);
  ASSERT_TRUE(parse_work(WorkType{"mutex_contention", R"({"hold_iters": 0})"}, p).ok());
  EXPECT_EQ(p.arg("contenders"), 4);
  EXPECT_EQ(p.arg("hold_iters"), 0);
  EXPECT_EQ(p.divisor, 4);
  ASSERT_TRUE(parse_work(WorkType{"futex_fan_out", "{}"}, p).ok());
  EXPECT_EQ(p.divisor, 5);
  ASSERT_TRUE(parse_work(WorkType{"page_fault_churn", R"({"touches": 8})"}, p).ok());
  EXPECT_EQ(p.arg("region_kb"), 4096);
  EXPECT_EQ(p.arg("touches"), 8);
}

std::string parse_error(const std::string& name, const std::string& args) {
  WorkParams p;
  return parse_work(WorkType{name, args}, p).error;
}

TEST(WorkTypes, RefusesBadWorkArgsNamingTheKeyAndWhatIsAccepted) {
  EXPECT_EQ(parse_error("bursty", R"({"burst": 1})"),
            "work 'bursty': unknown work_args key 'burst' (accepted: burst_ms, sleep_ms)");
  EXPECT_EQ(parse_error("spin", R"({"x": 1})"),
            "work 'spin': unknown work_args key 'x' (it takes none)");
  EXPECT_EQ(parse_error("bursty", R"({"burst_ms": 0})"),
            "work 'bursty': work_args.burst_ms (milliseconds of spinning per burst) must be a "
            "whole number from 1 to 3600000, got 0");
  EXPECT_NE(parse_error("bursty", R"({"sleep_ms": -1})").find("from 0 to 3600000, got -1"),
            std::string::npos);
  EXPECT_NE(parse_error("bursty", R"({"sleep_ms": 2.5})").find("whole number"), std::string::npos);
  EXPECT_NE(parse_error("bursty", R"({"sleep_ms": "5"})").find("got \"5\""), std::string::npos);
  EXPECT_NE(parse_error("bursty", R"({"sleep_ms": true})").find("got true"), std::string::npos);
  EXPECT_NE(parse_error("pipe_io", R"({"burst_iters": 18446744073709551615})").find("whole number"),
            std::string::npos);
  EXPECT_NE(parse_error("mutex_contention", R"({"contenders": 1})").find("from 2 to 64"),
            std::string::npos);
  EXPECT_NE(parse_error("cache_pressure", R"({"stride": 8192})").find("from 1 to 4096"),
            std::string::npos);
  EXPECT_NE(parse_error("teleport", "{}").find("unknown work type 'teleport' (known: spin, yield"),
            std::string::npos);
  EXPECT_NE(parse_error("spin", "[1").find("not a JSON object"), std::string::npos);
  EXPECT_NE(parse_error("spin", "[1]").find("not a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace ktstr
