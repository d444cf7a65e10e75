// checks_from_spec: the merged [checks] as typed thresholds, the schema's
// defaults as the built-in layer, and each threshold's provenance as the
// FAIL reason prints it.
#include "runner/checks_from_spec.h"

#include <gtest/gtest.h>

#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using testing::SpecTestDir;

class ChecksFromSpecTest : public ::testing::Test {
 protected:
  Checks load(const std::string& spec, std::vector<std::string> sets = {}) {
    file_ = dir_.write("specs/t.toml", spec);
    SpecOptions o;
    o.paths = {dir_.path("specs")};
    o.sets = std::move(sets);
    o.check_plugins = false;
    LoadedSpecs s = load_and_resolve(o);
    EXPECT_TRUE(s.ok()) << render_text(s.diags, s.set->sources, {});
    EXPECT_EQ(s.tests.size(), 1u);
    return s.tests.empty() ? Checks{} : checks_from_spec(s.tests[0]);
  }
  SpecTestDir dir_;
  std::string file_;
};

TEST_F(ChecksFromSpecTest, TheBuiltInsAreTheSchemaDefaults) {
  const Checks c = load("[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n");
  EXPECT_EQ(c.not_starved.value, true);
  EXPECT_EQ(c.not_starved.origin, "built-in");
  EXPECT_EQ(c.isolation.value, false);
  EXPECT_EQ(c.max_gap_ms.value, 2000);
  EXPECT_EQ(c.max_spread_pct.value, 15);
  EXPECT_EQ(c.max_spread_pct.origin, "built-in");
  EXPECT_EQ(c.allow_inconclusive.value, false);
  // No default: not checked.
  EXPECT_FALSE(c.min_work_rate.set());
  EXPECT_FALSE(c.max_throughput_cv.set());
  EXPECT_FALSE(c.max_p99_wake_latency_ns.set());
  EXPECT_FALSE(c.max_wake_latency_cv.set());
  EXPECT_FALSE(c.min_iteration_rate.set());
  EXPECT_FALSE(c.max_migration_ratio.set());
  EXPECT_FALSE(c.cleanup_budget_ms.set());
}

TEST_F(ChecksFromSpecTest, AFileValueNamesItsFileAndLine) {
  const Checks c = load(
      "[test.a]\ncleanup_budget_ms = 500\n[[test.a.cgroup]]\nname = \"cg_0\"\n"
      "[test.a.checks]\nmax_spread_pct = 25.0\nmin_work_rate = 1e15\nisolation = true\n");
  EXPECT_EQ(c.max_spread_pct.value, 25);
  EXPECT_EQ(c.max_spread_pct.origin, file_ + ":6");
  EXPECT_EQ(c.min_work_rate.value, 1e15);
  EXPECT_EQ(c.min_work_rate.origin, file_ + ":7");
  EXPECT_EQ(c.isolation.value, true);
  EXPECT_EQ(c.cleanup_budget_ms.value, 500);
  EXPECT_EQ(c.cleanup_budget_ms.origin, file_ + ":2");
  EXPECT_EQ(c.max_gap_ms.origin, "built-in");
}

TEST_F(ChecksFromSpecTest, ASetValueNamesTheSet) {
  const Checks c = load("[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n", {"max_gap_ms=500"});
  EXPECT_EQ(c.max_gap_ms.value, 500);
  EXPECT_EQ(c.max_gap_ms.origin, "--set max_gap_ms=500");
}

TEST_F(ChecksFromSpecTest, ASchedulerValueNamesTheScheduler) {
  dir_.write("specs/sched.toml",
             "[scheduler.simple]\nbinary = \"scx_simple\"\n[scheduler.simple.checks]\n"
             "max_gap_ms = 3000\n");
  const Checks c = load("[test.a]\nscheduler = \"simple\"\n[[test.a.cgroup]]\nname = \"cg_0\"\n");
  EXPECT_EQ(c.max_gap_ms.value, 3000);
  EXPECT_EQ(c.max_gap_ms.origin, "scheduler simple (" + dir_.path("specs/sched.toml") + ":4)");
}

}  // namespace
}  // namespace ktstr
