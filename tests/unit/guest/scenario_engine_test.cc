// The timeline engine in-process, through GuestCtx on a temp cgroup root:
// step ordering and timing, step failures, and setup failures.
#include "guest/scenario_engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "guest/guest_ctx.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

/// Records cpuset changes and when they happened, by wrapping GuestCtx.
class RecordingCtx : public GuestCtx {
 public:
  using GuestCtx::GuestCtx;
  Status set_cpuset(std::string_view name, std::string_view cpuset) override {
    events.push_back("set_cpuset " + std::string(name) + " " + std::string(cpuset));
    times.push_back(elapsed_s());
    return GuestCtx::set_cpuset(name, cpuset);
  }
  Status clear_cpuset(std::string_view name) override {
    events.push_back("clear_cpuset " + std::string(name));
    times.push_back(elapsed_s());
    return GuestCtx::clear_cpuset(name);
  }
  std::vector<std::string> events;
  std::vector<double> times;
};

class ScenarioEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ktstr-eng-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    spec_.name = "ktstr/engine";
    spec_.duration_s = 0.5;
    spec_.workers_per_cgroup = 1;
    topo_.cpus = 1;
    topo_.llc_groups = {{0}};
    topo_.numa_nodes = {{0}};
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  GuestTestSpec spec_;
  ObservedTopology topo_;
};

TEST(StepTime, FractionOfDurationOrMilliseconds) {
  Step s;
  s.at = 0.25;
  EXPECT_DOUBLE_EQ(step_time_s(s, 4), 1.0);
  s.at_ms = 1500;
  EXPECT_DOUBLE_EQ(step_time_s(s, 4), 1.5);
}

TEST_F(ScenarioEngineTest, StepsRunInTimeOrderAtTheirTimes) {
  RecordingCtx ctx(spec_, topo_, root_.string(), nullptr);
  ASSERT_TRUE(ctx.init().ok());
  std::vector<Step> steps = {Step::clear_cpuset_at(0.8, "cg"), Step::set_cpuset_at(0.4, "cg", "0")};
  AssertResult r = ctx.execute({CgroupDef{"cg"}}, steps);
  EXPECT_TRUE(r.passed) << (r.details.empty() ? "" : r.details[0]);
  EXPECT_EQ(ctx.events, (std::vector<std::string>{"set_cpuset cg 0", "clear_cpuset cg"}));
  // Not before their times: 0.4 * 0.5 s and 0.8 * 0.5 s.
  ASSERT_EQ(ctx.times.size(), 2u);
  EXPECT_GE(ctx.times[0], 0.2);
  EXPECT_GE(ctx.times[1], 0.4);
  EXPECT_GE(ctx.elapsed_s(), 0.5);
  EXPECT_EQ(ctx.data()["telemetry"]["workers"].size(), 1u);
  EXPECT_TRUE(fs::is_empty(root_ / "ktstr"));  // everything it created is gone
}

TEST_F(ScenarioEngineTest, AFailedStepFailsTheRunWithItsLabelAndTheRunContinues) {
  GuestCtx ctx(spec_, topo_, root_.string(), nullptr);
  ASSERT_TRUE(ctx.init().ok());
  AssertResult r = ctx.execute({CgroupDef{"cg"}}, {Step::set_cpuset_at(0.1, "cg", "llc:7")});
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_NE(r.details[0].find("step 1 (set_cpuset 'cg' at 0.050 s): cpuset 'llc:7'"),
            std::string::npos)
      << r.details[0];
  EXPECT_EQ(ctx.data()["telemetry"]["workers"].size(), 1u);
}

TEST_F(ScenarioEngineTest, ASetupFailureStopsEarlyAndCleansUp) {
  GuestCtx ctx(spec_, topo_, root_.string(), nullptr);
  ASSERT_TRUE(ctx.init().ok());
  AssertResult r = ctx.execute({CgroupDef{"ok"}, CgroupDef{"bad name"}}, {});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.details[0].find("set up cgroup 'bad name'"), std::string::npos) << r.details[0];
  EXPECT_LT(ctx.elapsed_s(), 0.4);
  EXPECT_TRUE(fs::is_empty(root_ / "ktstr"));
}

TEST_F(ScenarioEngineTest, PayloadStepsAreNotSupportedYet) {
  GuestCtx ctx(spec_, topo_, root_.string(), nullptr);
  ASSERT_TRUE(ctx.init().ok());
  Step s;
  s.op = Op::run_payload;
  s.payload = "hackbench";
  AssertResult r = ctx.execute({CgroupDef{"cg"}}, {s});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.details[0].find("not supported by this agent yet (payload 'hackbench')"),
            std::string::npos);
}

}  // namespace
}  // namespace ktstr
