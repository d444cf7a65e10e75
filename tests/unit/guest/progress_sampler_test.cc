// The progress series: one column per worker, gaps where a worker did not
// exist, and decimation at the cap.
#include "guest/progress_sampler.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>

namespace ktstr {
namespace {

constexpr std::uint64_t kAbsent = std::numeric_limits<std::uint64_t>::max();

TEST(ProgressSampler, OneColumnPerWorkerAbsentBeforeItStartedAndAfterItWasReaped) {
  ProgressSampler sampler(monotonic_ns(), std::chrono::hours(1));  // samples only when told
  auto a = std::make_shared<WorkerSlot>();
  auto b = std::make_shared<WorkerSlot>();
  sampler.sample();  // nobody alive: nothing taken
  sampler.add("cg_0/0", a);
  a->iterations = 5;
  sampler.sample();
  sampler.add("cg_1/0", b);
  a->iterations = 9;
  b->iterations = 1;
  sampler.sample();
  a->reaped = 1;
  sampler.sample();
  sampler.stop();
  const ProgressSeries s = sampler.series();
  EXPECT_EQ(s.workers, (std::vector<std::string>{"cg_0/0", "cg_1/0"}));
  ASSERT_EQ(s.points.size(), 3u);
  ASSERT_EQ(s.t_ns.size(), 3u);
  EXPECT_EQ(s.points[0], (std::vector<std::uint64_t>{5, kAbsent}));
  EXPECT_EQ(s.points[1], (std::vector<std::uint64_t>{9, 1}));
  EXPECT_EQ(s.points[2], (std::vector<std::uint64_t>{kAbsent, 1}));
  EXPECT_LE(s.t_ns[0], s.t_ns[1]);
  EXPECT_EQ(s.interval_ns, 3'600'000'000'000u);
}

TEST(ProgressSampler, TheThreadSamplesOnItsCadence) {
  ProgressSampler sampler(monotonic_ns(), std::chrono::milliseconds(10));
  auto a = std::make_shared<WorkerSlot>();
  sampler.add("cg/0", a);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sampler.stop();
  const ProgressSeries s = sampler.series();
  EXPECT_GE(s.t_ns.size(), 5u);
  EXPECT_LE(s.t_ns.size(), 25u);
}

TEST(ProgressSampler, ReachingTheCapDropsEveryOtherPointAndDoublesTheInterval) {
  ProgressSampler sampler(0, std::chrono::hours(1));
  auto a = std::make_shared<WorkerSlot>();
  sampler.add("cg/0", a);
  for (std::size_t i = 0; i < kMaxSeriesPoints + 1; ++i) {
    a->iterations = i;
    sampler.sample();
  }
  sampler.stop();
  const ProgressSeries s = sampler.series();
  EXPECT_TRUE(s.decimated);
  EXPECT_EQ(s.interval_ns, 2 * 3'600'000'000'000u);
  ASSERT_EQ(s.points.size(), kMaxSeriesPoints / 2 + 1);
  EXPECT_EQ(s.points[0][0], 0u);
  EXPECT_EQ(s.points[1][0], 2u);
  EXPECT_EQ(s.points.back()[0], kMaxSeriesPoints);
}

TEST(Decimate, KeepsTheFirstPointAndEveryOtherOne) {
  ProgressSeries s;
  s.interval_ns = 100;
  s.workers = {"a/0"};
  s.t_ns = {0, 100, 200, 300, 400};
  s.points = {{0}, {1}, {2}, {3}, {4}};
  decimate(s);
  EXPECT_EQ(s.t_ns, (std::vector<std::uint64_t>{0, 200, 400}));
  EXPECT_EQ(s.points, (std::vector<std::vector<std::uint64_t>>{{0}, {2}, {4}}));
  EXPECT_EQ(s.interval_ns, 200u);
  EXPECT_TRUE(s.decimated);
}

}  // namespace
}  // namespace ktstr
