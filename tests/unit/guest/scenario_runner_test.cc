// run_scenario end to end on the host: a temp dir stands in for the cgroup2
// root, and real plugin .so files (tests/plugins, plugins/basic) run in the
// forked scenario process, including ones that throw, crash, hang or exit.
#include "guest/scenario_runner.h"

#include "guest/protocol/worker_report.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>

namespace ktstr {
namespace {

namespace fs = std::filesystem;

const std::string kScenarios = std::string(KTSTR_TEST_PLUGIN_DIR) + "/libktstr_test_scenarios.so";

class FakeHost : public ScenarioHost {
 public:
  explicit FakeHost(std::string root) : root_(std::move(root)) {}
  void log(const std::string& level, const std::string& text) override {
    logs.push_back(level + ": " + text);
  }
  void emit(const std::string& type, const nlohmann::json&) override { emitted.push_back(type); }
  std::string cgroup_root() const override { return root_; }
  std::vector<std::string> logs, emitted;

 private:
  std::string root_;
};

/// The CPUs this process may use, split into two "LLCs" when there are two or more.
ObservedTopology host_topology() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  sched_getaffinity(0, sizeof mask, &mask);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &mask)) cpus.push_back(c);
  ObservedTopology t;
  t.cpus = static_cast<int>(cpus.size());
  if (cpus.size() >= 2) {
    size_t half = cpus.size() / 2;
    t.llc_groups = {std::vector<int>(cpus.begin(), cpus.begin() + half),
                    std::vector<int>(cpus.begin() + half, cpus.end())};
  } else {
    t.llc_groups = {cpus};
  }
  t.numa_nodes = {cpus};
  for (int c : cpus) t.smt_groups.push_back({c});
  return t;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

class ScenarioRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ktstr-sr-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    host_ = std::make_unique<FakeHost>(root_.string());
    spec_.name = "ktstr/unit";
    spec_.duration_s = 0.3;
    spec_.workers_per_cgroup = 1;
    spec_.settings = {{"scheduler", "eevdf"}, {"checks", {{"max_gap_ms", 250}}}};
  }
  void TearDown() override { fs::remove_all(root_); }

  ScenarioOutcome run_plugin(const std::string& path, const std::string& scenario) {
    spec_.plugin_path = path;
    spec_.scenario = scenario;
    return run_scenario(spec_, host_topology(), *host_);
  }
  void expect_clean(const ScenarioOutcome& o) {
    EXPECT_FALSE(fs::exists(root_ / "ktstr")) << "cgroups left behind";
    if (!o.data.contains("telemetry")) return;
    for (const auto& w : o.data["telemetry"]["workers"]) {
      EXPECT_EQ(kill(w["pid"].get<int>(), 0), -1) << "worker " << w["pid"] << " still alive";
    }
  }

  fs::path root_;
  std::unique_ptr<FakeHost> host_;
  GuestTestSpec spec_;
};

int workers_in(const ScenarioOutcome& o, const std::string& cgroup) {
  int n = 0;
  for (const auto& w : o.data["telemetry"]["workers"]) n += w["cgroup"] == cgroup;
  return n;
}

TEST_F(ScenarioRunnerTest, DeclarativeCgroupsRunSpinWorkersAndReportThem) {
  CgroupSpec a;
  a.name = "cg_0";
  a.workers = 2;
  CgroupSpec b;
  b.name = "cg_1";
  b.workers = 1;
  b.cpuset = "llc:0";
  spec_.cgroups = {a, b};
  ScenarioOutcome o = run_scenario(spec_, host_topology(), *host_);
  EXPECT_EQ(o.verdict, "pass") << joined(o.details);
  ASSERT_EQ(o.data["telemetry"]["workers"].size(), 3u) << o.data.dump(2);
  for (const auto& w : o.data["telemetry"]["workers"]) {
    EXPECT_GT(w["iterations"].get<std::uint64_t>(), 0u);
    EXPECT_GT(w["cpu_ns"].get<std::uint64_t>(), 0u);
  }
  EXPECT_EQ(workers_in(o, "cg_0"), 2);
  EXPECT_EQ(workers_in(o, "cg_1"), 1);
  EXPECT_FALSE(o.data["cgroup2"].get<bool>());
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, DeclarativeStepsRunAndTheirCpusetChangesAreRecorded) {
  spec_.duration_s = 0.6;
  CgroupSpec a;
  a.name = "cg_0";
  a.workers = 1;
  a.cpuset = "0";
  spec_.cgroups = {a};
  StepSpec set;
  set.at = 0.3;
  set.op = "set_cpuset";
  set.cgroup = "cg_0";
  set.cpuset = "llc:0";
  StepSpec add;
  add.at_ms = 100;
  add.op = "add_cgroup";
  add.cgroup = "late";
  add.workers = 1;
  StepSpec bad;
  bad.at = 0.5;
  bad.op = "set_cpuset";
  bad.cgroup = "cg_0";
  bad.cpuset = "llc:9";
  spec_.steps = {set, add, bad};
  ScenarioOutcome o = run_scenario(spec_, host_topology(), *host_);
  EXPECT_EQ(o.verdict, "fail") << joined(o.details);
  EXPECT_NE(joined(o.details).find("step 3 (set_cpuset 'cg_0' at 0.300 s): cpuset 'llc:9'"),
            std::string::npos)
      << joined(o.details);
  const auto& t = o.data["telemetry"];
  EXPECT_EQ(workers_in(o, "cg_0"), 1);
  EXPECT_EQ(workers_in(o, "late"), 1);
  ASSERT_EQ(t["cpusets"].size(), 2u) << t["cpusets"].dump();
  EXPECT_EQ(t["cpusets"][0]["epoch"], 1);
  EXPECT_EQ(t["cpusets"][0]["source"], "cgroup 'cg_0'");
  EXPECT_EQ(t["cpusets"][0]["spec"], "0");
  EXPECT_EQ(t["cpusets"][1]["epoch"], 2);
  EXPECT_EQ(t["cpusets"][1]["source"], "step 1 (set_cpuset)");
  EXPECT_EQ(t["cpusets"][1]["spec"], "llc:0");
  EXPECT_GE(t["cpusets"][1]["at_ns"].get<std::uint64_t>(), 180'000'000u);
  // The typed form decodes strictly: the host reads exactly this.
  ScenarioTelemetry typed = t.get<ScenarioTelemetry>();
  EXPECT_EQ(typed.series.workers, (std::vector<std::string>{"cg_0/0", "late/0"}));
  EXPECT_FALSE(typed.series.t_ns.empty());
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, AnOddCountOfAPairedTypeIsRefusedClearly) {
  CgroupSpec a;
  a.name = "cg_0";
  a.work = "futex_ping_pong";
  a.workers = 3;
  spec_.cgroups = {a};
  ScenarioOutcome o = run_scenario(spec_, host_topology(), *host_);
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("futex_ping_pong needs a worker count divisible by 2"),
            std::string::npos)
      << joined(o.details);
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, UnknownWorkTypeIsRefusedClearly) {
  CgroupSpec a;
  a.name = "cg_0";
  a.work = "teleport";
  spec_.cgroups = {a};
  ScenarioOutcome o = run_scenario(spec_, host_topology(), *host_);
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("unknown work type 'teleport' (known: spin"), std::string::npos)
      << joined(o.details);
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, NothingToRunIsAnError) {
  ScenarioOutcome o = run_scenario(spec_, host_topology(), *host_);
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(joined(o.details).find("nothing to run"), std::string::npos);
}

TEST_F(ScenarioRunnerTest, PluginScenarioPasses) {
  ScenarioOutcome o = run_plugin(kScenarios, "passes");
  EXPECT_EQ(o.verdict, "pass") << joined(o.details);
  EXPECT_EQ(o.data["telemetry"]["workers"].size(), 1u);
  EXPECT_EQ(o.data["scenario"]["name"], "passes");
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, FailureDetailsMetricsAndLogsReachTheOutcome) {
  ScenarioOutcome o = run_plugin(kScenarios, "fails_with_details");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_EQ(o.details, (std::vector<std::string>{"first detail", "second detail",
                                                 "context line from add_detail"}));
  EXPECT_EQ(o.data["metrics"]["answer"], 42.0);
  EXPECT_EQ(host_->logs, std::vector<std::string>{"info: about to fail"});
}

TEST_F(ScenarioRunnerTest, AnExceptionIsAFailWithItsText) {
  ScenarioOutcome o = run_plugin(kScenarios, "throws");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("threw std::runtime_error: boom from the plugin"),
            std::string::npos)
      << joined(o.details);
}

TEST_F(ScenarioRunnerTest, ASegfaultIsAFailNamingTheSignalAndTheAgentSurvives) {
#ifdef KTSTR_SANITIZE
  GTEST_SKIP() << "under ASan/UBSan the plugin's null store ends in exit 1 before any SIGSEGV";
#endif
  ScenarioOutcome o = run_plugin(kScenarios, "segfaults");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("scenario 'segfaults' of plugin"), std::string::npos);
  EXPECT_NE(joined(o.details).find("crashed: SIGSEGV (Segmentation fault)"), std::string::npos)
      << joined(o.details);
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, AHangIsKilledAtTheDeadline) {
  spec_.settings["scenario_timeout_s"] = 0.5;
  ScenarioOutcome o = run_plugin(kScenarios, "hangs");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("scenario hung"), std::string::npos) << joined(o.details);
  EXPECT_NE(joined(o.details).find("within 0.5 s"), std::string::npos);
}

TEST_F(ScenarioRunnerTest, ExitInsideAScenarioIsAFail) {
  ScenarioOutcome o = run_plugin(kScenarios, "calls_exit");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("exit status 3"), std::string::npos) << joined(o.details);
}

TEST_F(ScenarioRunnerTest, SettingsReachThePlugin) {
  ScenarioOutcome o = run_plugin(kScenarios, "reads_settings");
  EXPECT_EQ(o.verdict, "pass") << joined(o.details);
}

TEST_F(ScenarioRunnerTest, WorkersLeftRunningAreStoppedAndReported) {
  ScenarioOutcome o = run_plugin(kScenarios, "leaves_workers");
  EXPECT_EQ(o.verdict, "pass") << joined(o.details);
  EXPECT_NE(joined(o.details).find("left 2 worker(s) running in cgroup 'left'"), std::string::npos);
  EXPECT_EQ(o.data["telemetry"]["workers"].size(), 2u);
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, UnsupportedWorkFromAPluginFailsTheScenario) {
  ScenarioOutcome o = run_plugin(kScenarios, "unknown_work");
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(joined(o.details).find("set up cgroup 'w': unknown work type 'io_uring_storm'"),
            std::string::npos)
      << joined(o.details);
  expect_clean(o);
}

TEST_F(ScenarioRunnerTest, PayloadsAreNotSupportedYetAndSnapshotsAreRecorded) {
  ScenarioOutcome o = run_plugin(kScenarios, "payload_and_snapshot");
  EXPECT_EQ(o.verdict, "pass") << joined(o.details);
  ASSERT_EQ(o.data["snapshots"].size(), 1u);
  EXPECT_EQ(o.data["snapshots"][0]["name"], "mid");
}

TEST_F(ScenarioRunnerTest, UnknownScenarioAndMissingPluginAreErrors) {
  ScenarioOutcome o = run_plugin(kScenarios, "nope");
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(joined(o.details).find("unknown scenario 'nope'"), std::string::npos);
  EXPECT_NE(joined(o.details).find("passes"), std::string::npos);
  o = run_plugin("/nonexistent/libktstr_x.so", "x");
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(joined(o.details).find("/nonexistent/libktstr_x.so"), std::string::npos);
}

// Every scenario of the project's own plugin runs and passes here.
class BasicPluginTest : public ScenarioRunnerTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(BasicPluginTest, Passes) {
  spec_.duration_s = 0.4;
  ScenarioOutcome o = run_plugin(KTSTR_BASIC_PLUGIN, GetParam());
  EXPECT_EQ(o.verdict, "pass") << joined(o.details) << o.data.dump(2);
  EXPECT_FALSE(o.data["telemetry"]["workers"].empty());
  for (const auto& w : o.data["telemetry"]["workers"])
    EXPECT_GT(w["iterations"].get<std::uint64_t>(), 0u);
  expect_clean(o);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, BasicPluginTest,
                         ::testing::Values("pinned_per_llc", "pinned_per_numa_node",
                                           "cpuset_shrink_grow", "affinity_churn",
                                           "spinners_and_sleepers",
                                           "cgroup_moved_between_parents"));

TEST_F(ScenarioRunnerTest, MovedTasksAreReportedInTheirNewCgroup) {
  spec_.duration_s = 0.4;
  spec_.workers_per_cgroup = 2;
  ScenarioOutcome o = run_plugin(KTSTR_BASIC_PLUGIN, "cgroup_moved_between_parents");
  ASSERT_EQ(o.verdict, "pass") << joined(o.details);
  EXPECT_EQ(workers_in(o, "parent_b/work"), 2) << o.data.dump(2);
  EXPECT_EQ(workers_in(o, "parent_b/resident"), 1);
  EXPECT_EQ(workers_in(o, "parent_a/work"), 0);
}

}  // namespace
}  // namespace ktstr
