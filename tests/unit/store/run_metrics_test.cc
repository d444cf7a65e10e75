// The metrics of a stored sidecar: the values a user reads in `stats show`.
#include "store/run_metrics.h"

#include <gtest/gtest.h>

#include "synthetic_run.h"

namespace ktstr {
namespace {

TEST(RunMetrics, EveryMetricOfARunWithTelemetry) {
  const auto m = sidecar_metrics(testing::fake_sidecar({}));
  EXPECT_DOUBLE_EQ(m.at("worst_gap_ms"), 20);
  EXPECT_NEAR(m.at("max_spread_pct"), 5, 1e-6);
  EXPECT_DOUBLE_EQ(m.at("p99_wake_us"), 50);
  EXPECT_NEAR(m.at("migrations_per_iteration"), 10.0 / 40000, 1e-12);
  EXPECT_NEAR(m.at("work_rate"), 1e7, 1);
  EXPECT_NEAR(m.at("iteration_rate"), 1e4, 1e-6);
  EXPECT_DOUBLE_EQ(m.at("boot_ms"), 8000);
  EXPECT_DOUBLE_EQ(m.at("test_seconds"), 20);
  EXPECT_EQ(m.size(), metric_defs().size());
}

TEST(RunMetrics, NoTelemetryLeavesOnlyTheTimings) {
  testing::FakeTest t;
  t.telemetry = false;
  t.boot_ms.reset();
  const auto m = sidecar_metrics(testing::fake_sidecar(t));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.count("test_seconds"));
}

TEST(RunMetrics, NoWakeSamplesNoP99) {
  testing::FakeTest t;
  t.wake_ns = 0;
  const auto m = sidecar_metrics(testing::fake_sidecar(t));
  EXPECT_FALSE(m.count("p99_wake_us"));
  EXPECT_TRUE(m.count("worst_gap_ms"));
}

TEST(RunMetrics, AGarbledRecordGivesNoTelemetryMetrics) {
  nlohmann::json s = testing::fake_sidecar({});
  s["record"]["version"] = 99;
  const auto m = sidecar_metrics(s);
  EXPECT_FALSE(m.count("worst_gap_ms"));
  EXPECT_TRUE(m.count("boot_ms"));
  EXPECT_TRUE(sidecar_metrics(nullptr).empty());
}

TEST(RunMetrics, DefinitionsHaveDirectionsAndThresholds) {
  ASSERT_NE(find_metric("work_rate"), nullptr);
  EXPECT_FALSE(find_metric("work_rate")->higher_is_worse);
  EXPECT_FALSE(find_metric("iteration_rate")->higher_is_worse);
  EXPECT_TRUE(find_metric("worst_gap_ms")->higher_is_worse);
  EXPECT_EQ(find_metric("nope"), nullptr);
  for (const MetricDef& d : metric_defs()) EXPECT_GT(d.rel_threshold, 0) << d.name;
}

}  // namespace
}  // namespace ktstr
