// The probe's definitions on a scripted clock and CPU: gaps, waits excluded,
// migrations, the wake reservoir's cap, and the cpuset epoch race rule.
#include "guest/worker_probe.h"

#include <gtest/gtest.h>

#include <memory>

#include "guest/cpuset_epochs.h"

namespace ktstr {
namespace {

std::uint64_t g_now = 0;
int g_cpu = 0;
// Runs between the probe's two epoch reads (when set): a cpuset write racing it.
void (*g_during_cpu_read)() = nullptr;

std::uint64_t fake_now() { return g_now; }
int fake_cpu() {
  if (g_during_cpu_read) g_during_cpu_read();
  return g_cpu;
}

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_now = 1'000'000;
    g_cpu = 0;
    g_during_cpu_read = nullptr;
    slot_ = std::make_unique<WorkerSlot>();
    slot_->released_ns = g_now;
  }
  SlotProbe probe(const std::atomic<std::uint64_t>* seq = nullptr) {
    return SlotProbe(slot_.get(), seq, /*scenario_start_ns=*/0, 42, ProbeClock{fake_now, fake_cpu});
  }
  WorkerReport report() {
    WorkerReport r;
    fill_report(*slot_, 0, r);
    return r;
  }
  std::unique_ptr<WorkerSlot> slot_;
};

TEST_F(ProbeTest, AGapIsTheTimeBetweenTwoCheckpointsWithWhenAndWhere) {
  SlotProbe p = probe();
  g_now += 5'000'000;
  p.units(1024);  // checkpoint: 5 ms since the release
  g_now += 1'000'000;
  p.units(512);  // no checkpoint: the total did not cross a multiple of 1024
  g_now += 1'000'000;
  g_cpu = 3;
  p.units(512);  // checkpoint at 2048: 2 ms
  g_now += 20'000'000;
  p.units(1024);  // 20 ms: the longest
  g_now += 1'000'000;
  p.units(1024);
  const WorkerReport r = report();
  EXPECT_EQ(r.work_units, 4096u);
  EXPECT_EQ(r.max_gap.ns, 20'000'000u);
  EXPECT_EQ(r.max_gap.at_ns, 28'000'000u);
  EXPECT_EQ(r.max_gap.cpu, 3);
}

TEST_F(ProbeTest, ADeliberateWaitIsNotAGapAndItsLatencyIsSampled) {
  SlotProbe p = probe();
  g_now += 1'000'000;
  p.units(1024);
  p.wait_begin();
  g_now += 500'000'000;  // asleep
  p.wait_end(250'000);
  g_now += 2'000'000;
  p.units(1024);
  const WorkerReport r = report();
  EXPECT_EQ(r.max_gap.ns, 2'000'000u);
  EXPECT_EQ(r.wake_samples_seen, 1u);
  EXPECT_EQ(r.wake_latencies_ns, std::vector<std::uint64_t>{250'000});
  p.wait_begin();
  p.wait_end(WorkProbe::kNoSample);
  EXPECT_EQ(report().wake_samples_seen, 1u);
}

TEST_F(ProbeTest, MigrationsAreCountedLoggedAndCappedWhileCpusAccumulate) {
  SlotProbe p = probe();
  const std::size_t changes = kMaxMigrationLog + 10;
  for (std::size_t i = 0; i <= changes; ++i) {
    g_cpu = static_cast<int>(i % 2);
    g_now += 1000;
    p.units(1024);
  }
  const WorkerReport r = report();
  EXPECT_EQ(r.migrations, changes);
  ASSERT_EQ(r.migration_log.size(), kMaxMigrationLog);
  EXPECT_EQ(r.migration_log[0].from, 0);
  EXPECT_EQ(r.migration_log[0].to, 1);
  EXPECT_EQ(r.migration_log[0].at_ns, 1'000'000u + 2000);
  EXPECT_EQ(r.cpus_used, (std::vector<int>{0, 1}));
}

TEST_F(ProbeTest, TheWakeReservoirKeepsTheCapAndCountsEverySample) {
  SlotProbe p = probe();
  const std::uint64_t n = 10 * kMaxWakeSamples;
  for (std::uint64_t i = 0; i < n; ++i) p.wait_end(i);
  const WorkerReport r = report();
  EXPECT_EQ(r.wake_samples_seen, n);
  ASSERT_EQ(r.wake_latencies_ns.size(), kMaxWakeSamples);
  // Algorithm R keeps a uniform sample: most kept values come from past the
  // first cap (an implementation that stops replacing keeps only 0..1023).
  std::size_t late = 0;
  for (auto v : r.wake_latencies_ns) late += v >= kMaxWakeSamples;
  EXPECT_GT(late, kMaxWakeSamples * 8 / 10);
}

TEST_F(ProbeTest, CpusAreFiledUnderTheEpochInForce) {
  CpusetEpochs epochs;
  SlotProbe p = probe(epochs.sequence());
  g_cpu = 0;
  p.units(1024);
  epochs.begin_change();
  EXPECT_EQ(epochs.end_change(true), 1);
  g_cpu = 1;
  p.units(1024);
  const WorkerReport r = report();
  ASSERT_EQ(r.epoch_cpus.size(), 2u);
  EXPECT_EQ(r.epoch_cpus[0].epoch, 0);
  EXPECT_EQ(r.epoch_cpus[0].cpus, std::vector<int>{0});
  EXPECT_EQ(r.epoch_cpus[1].epoch, 1);
  EXPECT_EQ(r.epoch_cpus[1].cpus, std::vector<int>{1});
}

CpusetEpochs* g_epochs = nullptr;

TEST_F(ProbeTest, ACpuReadThatRacesACpusetWriteIsFiledUnderNoEpoch) {
  CpusetEpochs epochs;
  g_epochs = &epochs;
  SlotProbe p = probe(epochs.sequence());
  // The write starts while the worker reads its CPU: not filed (it may be
  // anywhere between the old and the new cpuset).
  g_during_cpu_read = [] { g_epochs->begin_change(); };
  g_cpu = 5;
  p.units(1024);
  // Still being written: odd sequence, not filed either.
  g_during_cpu_read = nullptr;
  p.units(1024);
  // The write returned inside the next reading: not filed.
  g_during_cpu_read = [] { g_epochs->end_change(true); };
  p.units(1024);
  g_during_cpu_read = nullptr;
  g_cpu = 6;
  p.units(1024);
  const WorkerReport r = report();
  ASSERT_EQ(r.epoch_cpus.size(), 1u);
  EXPECT_EQ(r.epoch_cpus[0].epoch, 1);
  EXPECT_EQ(r.epoch_cpus[0].cpus, std::vector<int>{6});
  EXPECT_EQ(r.cpus_used, (std::vector<int>{5, 6}));  // still counted as used
}

TEST_F(ProbeTest, AFailedCpusetWriteStartsNoEpoch) {
  CpusetEpochs epochs;
  epochs.begin_change();
  EXPECT_EQ(epochs.end_change(false), 0);
  SlotProbe p = probe(epochs.sequence());
  p.units(1024);
  const WorkerReport r = report();
  ASSERT_EQ(r.epoch_cpus.size(), 1u);
  EXPECT_EQ(r.epoch_cpus[0].epoch, 0);
}

TEST_F(ProbeTest, EpochsPastTheCapAreNotFiled) {
  CpusetEpochs epochs;
  for (std::size_t i = 0; i <= kMaxCpusetEpochs; ++i) {
    epochs.begin_change();
    epochs.end_change(true);
  }
  EXPECT_EQ(epochs.current(), static_cast<int>(kMaxCpusetEpochs) + 1);
  SlotProbe p = probe(epochs.sequence());
  p.units(1024);
  const WorkerReport r = report();
  EXPECT_TRUE(r.epoch_cpus.empty());
  EXPECT_EQ(r.cpus_used, std::vector<int>{0});
}

TEST_F(ProbeTest, UnfinishedWorkersHaveNoCpuTimeFromTheSlot) {
  SlotProbe p = probe();
  p.units(2048);
  p.iteration();
  slot_->cpu_ns = 99;  // written, but `done` was never set
  const WorkerReport r = report();
  EXPECT_EQ(r.iterations, 1u);
  EXPECT_EQ(r.cpu_ns, 0u);
  EXPECT_FALSE(r.schedstat.valid);
}

TEST(Schedstat, ReadsThreeNumbersOrNothing) {
  const SchedstatSample none = read_schedstat("/nonexistent/schedstat");
  EXPECT_FALSE(none.valid);
  const SchedstatSample self = read_schedstat("/proc/self/schedstat");
  if (!self.valid) GTEST_SKIP() << "this kernel has no /proc/self/schedstat";
  EXPECT_GT(self.cpu_ns, 0u);
}

}  // namespace
}  // namespace ktstr
