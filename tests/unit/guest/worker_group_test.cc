// Worker processes: spawning into a cgroup, the reports, and a stop that
// cannot hang (workers that ignore it, frozen cgroups).
#include "guest/worker_group.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ktstr {
namespace {

WorkerGroup::JoinFn no_join() {
  return [](int) { return Status{}; };
}
std::vector<int> no_affinity(int) { return {}; }

TEST(WorkerGroup, ParsesPolicies) {
  int policy = 0, prio = 0;
  EXPECT_TRUE(parse_policy("batch", policy, prio).ok());
  EXPECT_EQ(policy, SCHED_BATCH);
  EXPECT_TRUE(parse_policy("fifo:10", policy, prio).ok());
  EXPECT_EQ(policy, SCHED_FIFO);
  EXPECT_EQ(prio, 10);
  EXPECT_FALSE(parse_policy("rr:0", policy, prio).ok());
  EXPECT_FALSE(parse_policy("deadline", policy, prio).ok());
}

TEST(WorkerGroup, SpinWorkersJoinTheirCgroupRunAndReportEveryField) {
  const std::uint64_t start = monotonic_ns();
  WorkerGroup group("cg", start);
  std::vector<int> joined;
  ASSERT_TRUE(group
                  .spawn(
                      2, WorkType::spin(), "normal", 0,
                      [&](int pid) {
                        joined.push_back(pid);
                        return Status{};
                      },
                      no_affinity)
                  .ok());
  EXPECT_EQ(joined, group.pids());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto reports = group.stop();
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    SCOPED_TRACE(r.index);
    EXPECT_EQ(r.cgroup, "cg");
    EXPECT_EQ(r.work, "spin");
    EXPECT_TRUE(r.completed) << r.error;
    EXPECT_EQ(r.error, "");
    EXPECT_GT(r.work_units, 1024u);
    EXPECT_GT(r.iterations, 0u);
    EXPECT_GT(r.cpu_ns, 0u);
    EXPECT_GT(r.wall_ns, 150'000'000u);
    EXPECT_LT(r.wall_ns, 5'000'000'000u);
    EXPECT_EQ(r.off_cpu_ns, r.wall_ns > r.cpu_ns ? r.wall_ns - r.cpu_ns : 0);
    EXPECT_GT(r.max_gap.ns, 0u);
    EXPECT_GE(r.max_gap.cpu, 0);
    EXPECT_FALSE(r.cpus_used.empty());
    ASSERT_EQ(r.epoch_cpus.size(), 1u);  // no cpuset change: epoch 0 only
    EXPECT_EQ(r.epoch_cpus[0].epoch, 0);
    EXPECT_EQ(r.epoch_cpus[0].cpus, r.cpus_used);
    EXPECT_EQ(kill(r.pid, 0), -1);  // reaped
    if (std::filesystem::exists("/proc/self/schedstat")) {
      EXPECT_TRUE(r.schedstat.valid);
      EXPECT_GT(r.schedstat.timeslices, 0u);
    }
  }
  EXPECT_EQ(group.size(), 0u);
}

TEST(WorkerGroup, BurstySleepsAreWakeSamplesNotGaps) {
  WorkerGroup group("cg");
  ASSERT_TRUE(group.spawn(1, WorkType::bursty(5, 50), "normal", 0, no_join(), no_affinity).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto reports = group.stop();
  ASSERT_EQ(reports.size(), 1u);
  const WorkerReport& r = reports[0];
  EXPECT_TRUE(r.completed) << r.error;
  EXPECT_GE(r.wake_samples_seen, 3u);
  EXPECT_EQ(r.wake_latencies_ns.size(), r.wake_samples_seen);
  // 50 ms sleeps: a gap that large would mean the sleep was counted.
  EXPECT_LT(r.max_gap.ns, 40'000'000u);
  EXPECT_GT(r.off_cpu_ns, 200'000'000u);
}

TEST(WorkerGroup, AFailedJoinKillsTheBatchAndReportsEveryWorker) {
  WorkerGroup group("cg");
  Status s = group.spawn(
      2, WorkType::spin(), "normal", 0, [](int) { return Status::failure("no permission"); },
      no_affinity);
  EXPECT_NE(s.error.find("worker 0 of 'cg': join cgroup: no permission"), std::string::npos)
      << s.error;
  EXPECT_EQ(group.size(), 0u);
  auto reports = group.stop();
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    EXPECT_FALSE(r.completed);
    EXPECT_EQ(r.work_units, 0u);
    EXPECT_NE(r.error.find("not started: worker 0 of 'cg': join cgroup: no permission"),
              std::string::npos)
        << r.error;
  }
}

TEST(WorkerGroup, AWorkerThatDiedEarlyIsReportedWithTheSignal) {
  WorkerGroup group("cg");
  ASSERT_TRUE(group.spawn(2, WorkType::spin(), "normal", 0, no_join(), no_affinity).ok());
  const int victim = group.pids()[1];
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // SIGTERM, not SIGSEGV: under ASan a SIGSEGV is ASan's, which exits 1.
  kill(victim, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto reports = group.stop();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].completed);
  EXPECT_FALSE(reports[1].completed);
  EXPECT_EQ(reports[1].pid, victim);
  EXPECT_NE(reports[1].error.find("died of signal SIGTERM"), std::string::npos) << reports[1].error;
  EXPECT_GT(reports[1].cpu_ns, 0u);  // from rusage
}

TEST(WorkerGroup, AWorkerThatIgnoresTheStopIsKilledAtTheDeadlineAndReported) {
  WorkerGroup group("cg");
  ASSERT_TRUE(group.spawn(2, WorkType::spin(), "normal", 0, no_join(), no_affinity).ok());
  // SIGSTOP: the worker can neither see the flag nor handle SIGUSR1.
  const int stuck = group.pids()[0];
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(stuck, SIGSTOP);
  const auto t0 = std::chrono::steady_clock::now();
  auto reports = group.stop(std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::seconds(2));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_FALSE(reports[0].completed);
  EXPECT_EQ(reports[0].error, "did not stop within 0.3 s; killed");
  EXPECT_GT(reports[0].cpu_ns, 0u);  // rusage
  // Its run ended when the stop was asked for, not at the kill.
  EXPECT_LT(reports[0].wall_ns, 300'000'000u);
  EXPECT_GT(reports[0].work_units, 0u);
  EXPECT_TRUE(reports[1].completed) << reports[1].error;
  EXPECT_EQ(kill(stuck, 0), -1);
}

// A frozen cgroup (cgroup.freeze = 1) must not hang the stop. Needs a
// writable cgroup2 hierarchy, which most build machines do not give.
TEST(WorkerGroup, AFrozenCgroupsWorkersAreKilledAndReported) {
  namespace fs = std::filesystem;
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line, root;
  while (std::getline(mounts, line))
    if (line.find(" - cgroup2 ") != std::string::npos) {
      std::istringstream in(line);
      std::string f;
      for (int i = 0; i < 5 && in >> f; ++i) root = f;
      break;
    }
  const fs::path dir = fs::path(root) / ("ktstr-freeze-test-" + std::to_string(getpid()));
  std::error_code ec;
  if (root.empty() || !fs::create_directory(dir, ec))
    GTEST_SKIP() << "no writable cgroup2 hierarchy here (" << (root.empty() ? "none" : root) << ")";
  if (!fs::exists(dir / "cgroup.freeze")) {
    fs::remove(dir, ec);
    GTEST_SKIP() << "this kernel's cgroup2 has no cgroup.freeze";
  }
  WorkerGroup group("frozen");
  const Status s = group.spawn(
      1, WorkType::spin(), "normal", 0,
      [&](int pid) {
        std::ofstream(dir / "cgroup.procs") << pid;
        return Status{};
      },
      no_affinity);
  ASSERT_TRUE(s.ok()) << s.error;
  std::ofstream(dir / "cgroup.freeze") << "1";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto reports = group.stop(std::chrono::milliseconds(300));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].completed);
  EXPECT_EQ(reports[0].error, "did not stop within 0.3 s; killed");
  fs::remove(dir, ec);
}

TEST(WorkerGroup, StatsSummariseTheReport) {
  WorkerReport r;
  r.cgroup = "cg";
  r.index = 3;
  r.work_units = 4096;
  r.iterations = 4;
  r.cpu_ns = 10;
  r.wall_ns = 30;
  r.off_cpu_ns = 20;
  r.max_gap.ns = 7;
  r.completed = true;
  const WorkerStats s = to_worker_stats(r);
  EXPECT_EQ(s.work_units, 4096u);
  EXPECT_EQ(s.iterations, 4u);
  EXPECT_EQ(s.cpu_time_ns, 10u);
  EXPECT_EQ(s.off_cpu_ns, 20u);
  EXPECT_EQ(s.max_gap_ns, 7u);
  EXPECT_TRUE(s.completed);
}

}  // namespace
}  // namespace ktstr
