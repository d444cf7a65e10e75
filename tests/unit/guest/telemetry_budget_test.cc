// The result frame stays bounded: how large a big scenario's telemetry is,
// and what is dropped first when it would not fit.
#include "guest/telemetry_budget.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace ktstr {
namespace {

// 64 workers for 10 s, every capped array full, large numbers everywhere.
ScenarioTelemetry worst_case(int workers, int seconds) {
  ScenarioTelemetry t;
  for (int i = 0; i < workers; ++i) {
    WorkerReport w;
    w.cgroup = "cg_" + std::to_string(i / 8);
    w.index = i % 8;
    w.pid = 100000 + i;
    w.work = "futex_ping_pong";
    w.work_units = w.iterations = 123456789012ull;
    for (std::size_t k = 0; k < kMaxMigrationLog; ++k)
      w.migration_log.push_back({9876543210ull + k, 10, 11});
    w.migrations = 99999;
    for (std::size_t k = 0; k < kMaxWakeSamples; ++k) w.wake_latencies_ns.push_back(123456789);
    w.wake_samples_seen = 1000000;
    for (int c = 0; c < 16; ++c) w.cpus_used.push_back(c);
    w.epoch_cpus.push_back({0, w.cpus_used});
    t.workers.push_back(w);
    t.series.workers.push_back(w.cgroup + "/" + std::to_string(w.index));
  }
  for (int k = 0; k < seconds * 10; ++k) {
    t.series.t_ns.push_back(100'000'000ull * k);
    t.series.points.emplace_back(workers, 123456789012ull);
  }
  return t;
}

TEST(TelemetryBudget, SixtyFourWorkersForTenSecondsFitTheHostsFrameCap) {
  ScenarioTelemetry t = worst_case(64, 10);
  const std::size_t bytes = nlohmann::json(t).dump().size();
  std::printf("64 workers, 10 s, every cap full: %zu bytes\n", bytes);
  EXPECT_GT(bytes, 1u << 20);  // why the host's 1 MiB cap had to grow
  EXPECT_LT(bytes, 6u << 20);  // under the agent's budget: nothing dropped
  EXPECT_EQ(bound_telemetry_size(t, 6u << 20), "");
  EXPECT_EQ(t.workers[0].wake_latencies_ns.size(), kMaxWakeSamples);
}

TEST(TelemetryBudget, WakeSamplesGoFirstThenTheSeriesThenMigrationLogs) {
  ScenarioTelemetry t = worst_case(64, 10);
  const std::size_t full = nlohmann::json(t).dump().size();
  std::string detail = bound_telemetry_size(t, full - 1);
  EXPECT_NE(detail.find("dropped 65536 wake latency samples (now "), std::string::npos) << detail;
  EXPECT_TRUE(t.workers[0].wake_latencies_ns.empty());
  EXPECT_EQ(t.workers[0].wake_samples_seen, 1000000u);  // the count stays
  EXPECT_EQ(t.series.t_ns.size(), 100u);
  EXPECT_EQ(t.workers[0].migration_log.size(), kMaxMigrationLog);

  t = worst_case(64, 10);
  detail = bound_telemetry_size(t, 10'000);
  EXPECT_NE(detail.find("wake latency samples, the progress series (100 points), 16384 migration "
                        "log entries"),
            std::string::npos)
      << detail;
  EXPECT_TRUE(t.series.points.empty());
  EXPECT_EQ(t.workers[0].migrations, 99999u);
  EXPECT_EQ(t.workers[0].max_gap.ns, 0u);
  EXPECT_EQ(t.workers.size(), 64u);  // every worker is still reported
  // What is left still decodes: the host reads exactly this.
  EXPECT_NO_THROW(nlohmann::json(t).get<ScenarioTelemetry>());
}

}  // namespace
}  // namespace ktstr
