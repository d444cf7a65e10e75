// The run as its passes, end to end with a fake VM: selection (filters, -E,
// partition, --list, --no-tests), the executor (parallel budget, -j and
// [run] jobs, retries/FLAKY, --fail-fast), the run store (summary.json,
// junit.xml, sidecars) and every exit code the run can give.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "exec/host_budget.h"
#include "fake_vm_launcher.h"
#include "runner/exit_codes.h"
#include "runner/run_command.h"
#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::FakeVms;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kTree = R"(
[test.alpha]
topology = "1n1l1c1t"
[[test.alpha.cgroup]]
name = "c"
[test.beta]
topology = "1n1l1c1t"
[[test.beta.cgroup]]
name = "c"
[test.gamma]
topology = "1n1l1c1t"
replicas = 2
[[test.gamma.cgroup]]
name = "c"
[test.ignored_one]
ignore = true
[[test.ignored_one.cgroup]]
name = "c"
)";

// Captures std::cout and std::cerr for one call.
struct Captured {
  std::string out, err;
  int rc = -1;
};

class RunPassesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ktstr_passes_test_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cache" / "kernels");
    std::ofstream(dir_ / "bzImage") << ktstr::testing::fake_bzimage();
    std::ofstream(dir_ / "config") << "CONFIG_VIRTIO_CONSOLE=y\n";
    setenv("KTSTR_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    setenv("KTSTR_AGENT", "/bin/true", 1);
    setenv("NO_COLOR", "1", 1);
    unsetenv("KTSTR_KERNEL");
  }
  void TearDown() override {
    unsetenv("KTSTR_CACHE_DIR");
    unsetenv("KTSTR_AGENT");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  RunOptions options(const std::string& spec = kTree, const std::string& project = "") {
    fs::create_directories(dir_ / "specs");
    std::ofstream(dir_ / "specs" / "t.toml") << spec;
    if (!project.empty()) std::ofstream(dir_ / "specs" / "ktstr.toml") << project;
    RunOptions o;
    o.specs.paths = {(dir_ / "specs").string()};
    o.kernels = {(dir_ / "bzImage").string()};
    o.run_dir = (dir_ / "runs").string();
    o.accel = "tcg";
    return o;
  }
  Captured run(const RunOptions& o) {
    Captured c;
    std::stringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    c.rc = run_tests(o, vms_.factory());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    c.out = out.str();
    c.err = err.str();
    return c;
  }
  fs::path the_run() const {
    std::vector<fs::path> runs;
    for (const auto& e : fs::directory_iterator(dir_ / "runs")) runs.push_back(e.path());
    EXPECT_EQ(runs.size(), 1u);
    return runs.empty() ? fs::path() : runs[0];
  }
  nlohmann::json summary() const {
    std::ifstream in(the_run() / "summary.json");
    return nlohmann::json::parse(in);
  }
  std::map<std::string, std::string> statuses() const {
    std::map<std::string, std::string> m;
    const nlohmann::json s = summary();
    for (const auto& t : s["tests"])
      m[t.value("display_name", t.value("name", ""))] = t.value("status", "");
    return m;
  }
  fs::path dir_;
  FakeVms vms_;
};

TEST_F(RunPassesTest, EveryTestPassesExitsZeroWithSummaryAndJunitInTheRunDir) {
  const Captured c = run(options());
  EXPECT_EQ(c.rc, kExitOk) << c.out << c.err;
  EXPECT_EQ(vms_.requests.size(), 4u);  // alpha, beta, gamma x 2; the ignored one boots nothing
  EXPECT_TRUE(fs::exists(the_run() / "junit.xml"));
  const auto s = statuses();
  EXPECT_EQ(s.at("ktstr/alpha"), "PASS");
  EXPECT_EQ(s.at("ktstr/gamma (replica 2/2)"), "PASS");
  EXPECT_EQ(s.at("ktstr/ignored_one"), "SKIP");
  EXPECT_THAT(c.out, HasSubstr("PASS ktstr/alpha"));
  EXPECT_THAT(c.out, HasSubstr(the_run().string()));
  // Each instance's sidecar says which instance and attempt it is.
  std::ifstream in(the_run() / "gamma" / "replica-2" / "result.json");
  const auto side = nlohmann::json::parse(in);
  EXPECT_EQ(side["format"], 1);
  EXPECT_EQ(side["replica"], 2);
  EXPECT_EQ(side["attempt"], 1);
  EXPECT_EQ(side["status"], "PASS");
}

TEST_F(RunPassesTest, AFailureExitsOne) {
  vms_.verdict_for = [](const VmRequest& r, int) {
    return r.run_dir.filename() == "beta" ? "fail" : "pass";
  };
  const Captured c = run(options());
  EXPECT_EQ(c.rc, kExitTestFailed) << c.out << c.err;
  EXPECT_EQ(statuses().at("ktstr/beta"), "FAIL");
  EXPECT_THAT(c.out, HasSubstr("FAIL ktstr/beta"));
}

TEST_F(RunPassesTest, AFilterThatMatchesNothingExitsFourAndSaysSo) {
  RunOptions o = options();
  o.filters = {"no_such_test"};
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitNoTests);
  EXPECT_THAT(c.err, HasSubstr("no test matches the filters"));
  EXPECT_TRUE(vms_.requests.empty());
  o.no_tests = "warn";
  const Captured w = run(o);
  EXPECT_EQ(w.rc, kExitOk);
  EXPECT_THAT(w.err, HasSubstr("warning: no test matches"));
  o.no_tests = "pass";
  const Captured p = run(o);
  EXPECT_EQ(p.rc, kExitOk);
  EXPECT_EQ(p.err, "");
}

TEST_F(RunPassesTest, ExpressionsAndSubstringsSelectAndListPrintsWithoutRunning) {
  RunOptions o = options();
  o.exprs = {"test(/^ktstr\\/(alpha|gamma)$/)"};
  o.list = true;
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitOk);
  EXPECT_EQ(c.out, "ktstr/alpha\nktstr/gamma\n");
  EXPECT_TRUE(vms_.requests.empty());
  EXPECT_FALSE(fs::exists(dir_ / "runs"));
  o.filters = {"gamma"};  // both kinds given: both must match
  const Captured both = run(o);
  EXPECT_EQ(both.out, "ktstr/gamma\n");
}

TEST_F(RunPassesTest, BadSelectionOptionsAreUsageErrorsNamingTheOption) {
  RunOptions o = options();
  o.exprs = {"tset(alpha)"};
  Captured c = run(o);
  EXPECT_EQ(c.rc, kExitUsage);
  EXPECT_THAT(c.err, HasSubstr("test"));  // did you mean
  o.exprs.clear();
  o.partition = "hash:4/3";
  c = run(o);
  EXPECT_EQ(c.rc, kExitUsage);
  EXPECT_THAT(c.err, HasSubstr("--partition"));
  o.partition.clear();
  o.reporters = {"junt=x.xml"};
  c = run(o);
  EXPECT_EQ(c.rc, kExitUsage);
  EXPECT_THAT(c.err, HasSubstr("did you mean 'junit'"));
  EXPECT_TRUE(vms_.requests.empty());
}

TEST_F(RunPassesTest, PartitionsSplitTheTestsWithoutOverlap) {
  std::set<std::string> seen;
  size_t total = 0;
  for (int k = 1; k <= 3; ++k) {
    RunOptions o = options();
    o.partition = "hash:" + std::to_string(k) + "/3";
    o.list = true;
    const Captured c = run(o);
    EXPECT_EQ(c.rc, kExitOk);
    std::istringstream lines(c.out);
    for (std::string l; std::getline(lines, l);) {
      EXPECT_TRUE(seen.insert(l).second) << l << " in two shards";
      ++total;
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"ktstr/alpha", "ktstr/beta", "ktstr/gamma"}));
  EXPECT_EQ(total, 3u);
}

TEST_F(RunPassesTest, NoKernelIsExitThreeButListAndNoMatchNeedNone) {
  RunOptions o = options();
  o.kernels = {(dir_ / "no-such-bzImage").string()};
  EXPECT_EQ(run(o).rc, kExitInfra);
  o.list = true;
  EXPECT_EQ(run(o).rc, kExitOk);
  o.list = false;
  o.filters = {"zzz"};
  EXPECT_EQ(run(o).rc, kExitNoTests);
}

TEST_F(RunPassesTest, AnUnwritableReporterPathIsExitThree) {
  RunOptions o = options();
  o.reporters = {"junit=" + (dir_ / "no" / "such" / "dir" / "x.xml").string()};
  std::ofstream(dir_ / "no") << "a file, not a directory";
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitInfra) << c.out << c.err;
  EXPECT_THAT(c.err, HasSubstr("x.xml"));
}

TEST_F(RunPassesTest, ReportersWriteJunitAndJsonWhereAsked) {
  RunOptions o = options();
  o.reporters = {"junit=" + (dir_ / "j.xml").string(), "json=" + (dir_ / "s.json").string()};
  EXPECT_EQ(run(o).rc, kExitOk);
  std::ifstream js(dir_ / "s.json");
  const auto s = nlohmann::json::parse(js);
  EXPECT_EQ(s["counts"]["pass"], 4);
  std::ifstream jx(dir_ / "j.xml");
  const std::string xml{std::istreambuf_iterator<char>(jx), {}};
  EXPECT_THAT(xml, HasSubstr("ktstr/alpha"));
}

TEST_F(RunPassesTest, RetriesTurnAPassOnTheSecondAttemptIntoFlakyNeverPass) {
  vms_.verdict_for = [](const VmRequest& r, int) {
    static int beta_calls = 0;
    if (r.run_dir.filename() != "beta") return std::string("pass");
    return std::string(++beta_calls == 1 ? "fail" : "pass");
  };
  RunOptions o = options();
  o.retries = 2;
  o.filters = {"beta"};
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitOk) << c.out;  // FLAKY does not fail the run
  EXPECT_EQ(statuses().at("ktstr/beta"), "FLAKY");
  EXPECT_THAT(c.out, HasSubstr("FLAKY ktstr/beta"));
  EXPECT_THAT(c.out, Not(HasSubstr("PASS ktstr/beta")));
  // The first attempt's files are kept beside the second's.
  EXPECT_TRUE(fs::exists(the_run() / "beta" / "attempt-1" / "result.json"));
  EXPECT_TRUE(fs::exists(the_run() / "beta" / "result.json"));
}

TEST_F(RunPassesTest, FailFastLeavesTheRestNotRun) {
  vms_.verdict_for = [](const VmRequest&, int) { return std::string("fail"); };
  RunOptions o = options();
  o.fail_fast = true;
  o.jobs = 1;
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitTestFailed);
  EXPECT_EQ(vms_.requests.size(), 1u);
  const auto s = statuses();
  EXPECT_EQ(s.at("ktstr/alpha"), "FAIL");
  EXPECT_EQ(s.at("ktstr/beta"), "NOT-RUN");
}

TEST_F(RunPassesTest, JobsCapsTheVmsAtOnceAndRunJobsInKtstrTomlIsHonoured) {
  vms_.delay = std::chrono::milliseconds(50);
  RunOptions free_run = options();
  EXPECT_EQ(run(free_run).rc, kExitOk);
  if (host_cpus() >= 2) {
    EXPECT_GE(vms_.max_running.load(), 2);  // 1-vCPU VMs: two at once
  }
  vms_.max_running = 0;
  RunOptions o = options();
  o.jobs = 1;
  EXPECT_EQ(run(o).rc, kExitOk);
  EXPECT_EQ(vms_.max_running.load(), 1);
  vms_.max_running = 0;
  RunOptions p = options(kTree, "[run]\njobs = 1\n");
  EXPECT_EQ(run(p).rc, kExitOk);
  EXPECT_EQ(vms_.max_running.load(), 1);
}

TEST_F(RunPassesTest, RunAccelInKtstrTomlIsHonoured) {
  RunOptions o = options(kTree, "[run]\naccel = \"tcg\"\n");
  o.accel.clear();
  o.filters = {"alpha"};
  EXPECT_EQ(run(o).rc, kExitOk);
  ASSERT_EQ(vms_.requests.size(), 1u);
  EXPECT_EQ(vms_.requests[0].accel, Accel::kTcg);
  std::ifstream in(the_run() / "alpha" / "result.json");
  EXPECT_EQ(nlohmann::json::parse(in)["accel"], "tcg");
}

TEST_F(RunPassesTest, GauntletVariantsBootThePresetsTopologyAndRecordTheFactor) {
  const std::string spec =
      "[test.g]\n[[test.g.cgroup]]\nname = \"cg_0\"\n[test.g.gauntlet]\npresets = "
      "[\"tiny-2llc\"]\n";
  RunOptions plain = options(spec);
  EXPECT_EQ(run(plain).rc, kExitOk);
  EXPECT_EQ(vms_.requests.size(), 1u);  // opt-in: without --gauntlet only ktstr/g
  fs::remove_all(dir_ / "runs");
  vms_.requests.clear();
  RunOptions o = options(spec);
  o.gauntlet = true;
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitOk) << c.out << c.err;
  ASSERT_EQ(vms_.requests.size(), 2u);
  std::set<std::string> topologies;
  for (const auto& r : vms_.requests) topologies.insert(r.topology.str());
  EXPECT_THAT(topologies, ::testing::ElementsAre("1n1l2c1t", "1n2l2c1t"));
  EXPECT_THAT(c.out, HasSubstr("gauntlet: 1 variant of 1 test on 1 preset"));
  EXPECT_THAT(c.out, HasSubstr("PASS gauntlet/g/tiny-2llc"));
  std::ifstream in(the_run() / "gauntlet" / "g@tiny-2llc" / "result.json");
  const auto side = nlohmann::json::parse(in);
  EXPECT_EQ(side["preset"], "tiny-2llc");
  EXPECT_EQ(side["profile"], "");
  EXPECT_EQ(side["oversubscription"]["tcg_factor"], kTcgOversubscription);
  EXPECT_DOUBLE_EQ(side["oversubscription"]["vcpus_per_host_cpu"].get<double>(), 4.0 / host_cpus());
  std::ifstream junit(the_run() / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(junit)), {});
  EXPECT_THAT(xml, HasSubstr("<property name=\"preset\" value=\"tiny-2llc\"/>"));
}

TEST_F(RunPassesTest, BudgetRunsWhatItPicksSaysSoAndRefusesBadLimits) {
  RunOptions o = options();
  o.budget_s = 12;  // two 1-vCPU tests at 5.2 s each under the constants
  const Captured c = run(o);
  EXPECT_EQ(c.rc, kExitOk) << c.out << c.err;
  EXPECT_THAT(c.out, HasSubstr("ktstr-run: budget: 2/3 tests, 10.4/12 s, "));
  EXPECT_THAT(c.out, HasSubstr("costs: the documented constants"));
  EXPECT_EQ(vms_.requests.size(), 2u);
  RunOptions tiny = options();
  tiny.budget_s = 1;
  const Captured t = run(tiny);
  EXPECT_EQ(t.rc, kExitNoTests);
  EXPECT_THAT(t.err, HasSubstr("no test fits --budget 1 s (the cheapest is estimated at 5.2 s)"));
  RunOptions bad = options();
  bad.budget_s = -2;
  const Captured b = run(bad);
  EXPECT_EQ(b.rc, kExitUsage);
  EXPECT_THAT(b.err, HasSubstr("--budget must be a positive number of seconds (got -2)"));
}

TEST(RunPassesInterrupt, CtrlCExits130KeepsFinishedResultsAndMarksTheRestNotRun) {
  // The interrupt flag is process-wide and final: in a child process.
  EXPECT_EXIT(
      {
        const fs::path dir =
            fs::temp_directory_path() / ("ktstr_passes_int_" + std::to_string(getpid()));
        fs::create_directories(dir / "cache" / "kernels");
        fs::create_directories(dir / "specs");
        std::ofstream(dir / "bzImage") << ktstr::testing::fake_bzimage();
        std::ofstream(dir / "specs" / "t.toml") << kTree;
        setenv("KTSTR_CACHE_DIR", (dir / "cache").c_str(), 1);
        setenv("KTSTR_AGENT", "/bin/true", 1);
        FakeVms vms;
        vms.during = [](const VmRequest& r) {
          if (r.run_dir.filename() == "beta") VmRegistry::instance().interrupt();
        };
        RunOptions o;
        o.specs.paths = {(dir / "specs").string()};
        o.kernels = {(dir / "bzImage").string()};
        o.run_dir = (dir / "runs").string();
        o.accel = "tcg";
        o.jobs = 1;
        std::cout.setstate(std::ios::failbit);
        const int rc = run_tests(o, vms.factory());
        fs::path run = fs::directory_iterator(dir / "runs")->path();
        std::ifstream in(run / "summary.json");
        const auto s = nlohmann::json::parse(in);
        bool ok = rc == 130 && s["interrupted"] == true &&
                  fs::exists(run / "alpha" / "result.json") && !fs::exists(run / "beta");
        for (const auto& t : s["tests"])
          if (t["name"] != "ktstr/alpha" && t["status"] != "NOT-RUN" && t["status"] != "SKIP")
            ok = false;
        fs::remove_all(dir);
        std::_Exit(ok ? 130 : 1);
      },
      ::testing::ExitedWithCode(130), "");
}

}  // namespace
}  // namespace ktstr
