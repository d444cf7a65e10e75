// `stats compare` over synthetic runs: what a user sees flagged and what not.
#include "store/stats_compare.h"

#include <gtest/gtest.h>

#include "synthetic_run.h"

namespace ktstr {
namespace {

using testing::FakeTest;

/// Twelve tests, as a small suite has them: two replicas of three tests and six singles.
std::vector<FakeTest> suite() {
  std::vector<FakeTest> out;
  for (const char* n : {"ktstr/fair", "ktstr/llc", "ktstr/wake"})
    for (int r = 1; r <= 2; ++r) {
      FakeTest t;
      t.name = n;
      t.replica = r;
      t.replicas = 2;
      out.push_back(t);
    }
  for (int i = 0; i < 6; ++i) {
    FakeTest t;
    t.name = "ktstr/single_" + std::to_string(i);
    t.gap_ms = 10 + i;
    out.push_back(t);
  }
  return out;
}

class StatsCompare : public ::testing::Test {
 protected:
  StoredRun run(const std::string& id, const std::vector<FakeTest>& tests) {
    testing::write_fake_run(tmp_.path() / id, tests);
    std::string error;
    auto r = read_run(tmp_.path() / id, &error);
    EXPECT_TRUE(r) << error;
    return r ? *r : StoredRun{};
  }
  testing::TempDir tmp_;
};

TEST_F(StatsCompare, APlantedRegressionInOneMetricIsFlaggedAndNothingElse) {
  auto a_tests = suite();
  auto b_tests = suite();
  b_tests[3].gap_ms = 200;  // ktstr/llc (replica 2/2): 20 ms -> 200 ms
  const Comparison c = compare_runs(run("a", a_tests), run("b", b_tests), {});
  ASSERT_EQ(c.regressions(), 1);
  ASSERT_EQ(c.metrics.size(), 1u);
  EXPECT_EQ(c.metrics[0].test, "ktstr/llc (replica 2/2)");
  EXPECT_EQ(c.metrics[0].metric, "worst_gap_ms");
  EXPECT_TRUE(c.statuses.empty());
  EXPECT_EQ(c.paired, 12);
  const std::string text = format_comparison(c, run("a", a_tests), run("b", b_tests));
  EXPECT_NE(text.find("ktstr/llc (replica 2/2)  worst_gap_ms"), std::string::npos) << text;
  EXPECT_NE(text.find("+900.0%  REGRESSION"), std::string::npos) << text;
  EXPECT_NE(text.find("stats compare: 1 regression in 12 paired tests"), std::string::npos) << text;
}

TEST_F(StatsCompare, NoiseUnderTheThresholdsIsNotFlagged) {
  auto a_tests = suite();
  auto b_tests = suite();
  for (FakeTest& t : b_tests) {
    t.gap_ms *= 1.4;             // +40 % but < 50 ms more
    t.work_per_cpu_s *= 0.8;     // -20 %
    t.iterations_per_s *= 0.75;  // -25 %
    t.spread_pct += 4;           // +4 points
    t.wake_ns = 60'000;          // +10 us
    *t.boot_ms += 1500;          // +1.5 s
    t.seconds += 8;              // +8 s
  }
  const Comparison c = compare_runs(run("a", a_tests), run("b", b_tests), {});
  EXPECT_EQ(c.regressions(), 0);
  EXPECT_TRUE(c.metrics.empty());
  EXPECT_EQ(c.metrics_compared, 12 * 8);
}

TEST_F(StatsCompare, BothThresholdsMustBePassed) {
  // 10 ms -> 100 ms: +900 % but only 90 ms... past abs 50: flagged; 100 ms -> 160 ms: +60 ms
  // but +60 %... flagged; 200 ms -> 260 ms: +60 ms but +30 %: not flagged.
  const MetricDef& gap = *find_metric("worst_gap_ms");
  const MetricThreshold t{gap.abs_threshold, gap.rel_threshold};
  EXPECT_TRUE(moved_worse(gap, t, 10, 100));
  EXPECT_TRUE(moved_worse(gap, t, 100, 160));
  EXPECT_FALSE(moved_worse(gap, t, 200, 260));
  EXPECT_FALSE(moved_worse(gap, t, 2, 40));  // +1800 % but 38 ms
  EXPECT_TRUE(moved_worse(gap, t, 0, 51));   // from 0 only the absolute one applies
}

TEST_F(StatsCompare, DirectionMattersAFasterWorkRateIsAnImprovement) {
  auto a_tests = suite();
  auto b_tests = suite();
  b_tests[0].work_per_cpu_s *= 3;  // faster
  b_tests[1].work_per_cpu_s /= 3;  // slower
  b_tests[2].gap_ms = 1;           // a shorter gap: better
  const Comparison c = compare_runs(run("a", a_tests), run("b", b_tests), {});
  ASSERT_EQ(c.regressions(), 1);
  EXPECT_EQ(c.improvements(), 1);  // the gap's drop is 19 ms, under 50 ms
  for (const MetricChange& m : c.metrics) {
    EXPECT_EQ(m.metric, "work_rate");
    EXPECT_EQ(m.regression, m.test == "ktstr/fair (replica 2/2)") << m.test;
  }
}

TEST_F(StatsCompare, AMissingMetricIsListedNotARegression) {
  auto a_tests = suite();
  auto b_tests = suite();
  b_tests[5].wake_ns = 0;  // no wake samples in B
  const StoredRun a = run("a", a_tests), b = run("b", b_tests);
  const Comparison c = compare_runs(a, b, {});
  EXPECT_EQ(c.regressions(), 0);
  ASSERT_EQ(c.metrics.size(), 1u);
  EXPECT_EQ(c.metrics[0].metric, "p99_wake_us");
  EXPECT_FALSE(c.metrics[0].b);
  EXPECT_NE(format_comparison(c, a, b).find("missing in B"), std::string::npos);
}

TEST_F(StatsCompare, PassToFailIsARegressionFailToPassIsNot) {
  auto a_tests = suite();
  auto b_tests = suite();
  b_tests[6].status = "FAIL";
  a_tests[7].status = "FAIL";
  b_tests[8].status = "FLAKY";
  const Comparison c = compare_runs(run("a", a_tests), run("b", b_tests), {});
  EXPECT_EQ(c.regressions(), 1);
  ASSERT_EQ(c.statuses.size(), 3u);
  EXPECT_TRUE(c.statuses[0].regression);
  EXPECT_EQ(c.statuses[0].test, "ktstr/single_0");
  EXPECT_FALSE(c.statuses[1].regression);
  EXPECT_FALSE(c.statuses[2].regression);
}

TEST_F(StatsCompare, TestsInOneRunOnlyAreListed) {
  auto a_tests = suite();
  auto b_tests = suite();
  a_tests.pop_back();
  b_tests.erase(b_tests.begin());
  const StoredRun a = run("a", a_tests), b = run("b", b_tests);
  const Comparison c = compare_runs(a, b, {});
  EXPECT_EQ(c.regressions(), 0);
  EXPECT_EQ(c.only_in_a, std::vector<std::string>{"ktstr/fair (replica 1/2)"});
  EXPECT_EQ(c.only_in_b, std::vector<std::string>{"ktstr/single_5"});
  const std::string text = format_comparison(c, a, b);
  EXPECT_NE(text.find("only in A: ktstr/fair (replica 1/2)"), std::string::npos) << text;
  EXPECT_NE(text.find("2 tests in one run only"), std::string::npos) << text;
}

TEST_F(StatsCompare, AThresholdOverrideAndAMetricFilter) {
  auto a_tests = suite();
  auto b_tests = suite();
  b_tests[0].gap_ms = 40;    // +20 ms, +100 %: under the default 50 ms
  b_tests[1].seconds = 100;  // +80 s: a regression by default
  CompareOptions o;
  o.thresholds["worst_gap_ms"] = {5, 0.1};
  Comparison c = compare_runs(run("a", a_tests), run("b", b_tests), o);
  EXPECT_EQ(c.regressions(), 2);
  o.metrics = {"worst_gap_ms"};
  c = compare_runs(run("a", a_tests), run("b", b_tests), o);
  ASSERT_EQ(c.regressions(), 1);
  EXPECT_EQ(c.metrics[0].metric, "worst_gap_ms");
  EXPECT_EQ(c.metrics_compared, 12);
}

TEST(ParseThreshold, AcceptsFractionsAndPercentages) {
  std::string error;
  auto t = parse_threshold("worst_gap_ms=20,0.25", &error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->first, "worst_gap_ms");
  EXPECT_DOUBLE_EQ(t->second.abs, 20);
  EXPECT_DOUBLE_EQ(t->second.rel, 0.25);
  t = parse_threshold("boot_ms=0,25%", &error);
  ASSERT_TRUE(t) << error;
  EXPECT_DOUBLE_EQ(t->second.rel, 0.25);
}

TEST(ParseThreshold, SaysTheShapeItWants) {
  std::string error;
  EXPECT_FALSE(parse_threshold("worst_gap_ms=20", &error));
  EXPECT_NE(error.find("expected METRIC=ABS,REL"), std::string::npos) << error;
  EXPECT_FALSE(parse_threshold("worst_gap_ms=x,1", &error));
  EXPECT_NE(error.find("must be numbers >= 0"), std::string::npos) << error;
  EXPECT_FALSE(parse_threshold("worst_gap_ms=-1,1", &error));
  EXPECT_FALSE(parse_threshold("=1,1", &error));
}

}  // namespace
}  // namespace ktstr
