// Worker processes: work-type validation, spawning into a cgroup, results.
#include "guest/worker_group.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>

#include <thread>

namespace ktstr {
namespace {

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

TEST(WorkerGroup, SpinWorkersJoinTheirCgroupRunAndReportProgress) {
  WorkerGroup group("cg");
  std::vector<int> joined;
  ASSERT_TRUE(group
                  .spawn(
                      2, WorkType::spin(), "normal", 0,
                      [&](int pid) {
                        joined.push_back(pid);
                        return Status{};
                      },
                      [](int) { return std::vector<int>{}; })
                  .ok());
  EXPECT_EQ(joined, group.pids());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto stats = group.stop();
  ASSERT_EQ(stats.size(), 2u);
  for (const auto& s : stats) {
    EXPECT_EQ(s.cgroup, "cg");
    EXPECT_GT(s.iterations, 0u);
    EXPECT_GT(s.cpu_time_ns, 0u);
    EXPECT_GT(s.wall_ns, 100000000u);
    EXPECT_EQ(s.error, "");
    EXPECT_EQ(kill(s.pid, 0), -1);  // reaped
  }
  EXPECT_EQ(group.size(), 0u);
}

TEST(WorkerGroup, AFailedJoinKillsTheBatchAndSaysWhich) {
  WorkerGroup group("cg");
  Status s = group.spawn(
      2, WorkType::spin(), "normal", 0, [](int) { return Status::failure("no permission"); },
      [](int) { return std::vector<int>{}; });
  EXPECT_NE(s.error.find("worker 0 of 'cg': join cgroup: no permission"), std::string::npos)
      << s.error;
  EXPECT_EQ(group.size(), 0u);
}

}  // namespace
}  // namespace ktstr
