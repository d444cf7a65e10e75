// `ktstr-run verifier` through the VmLauncher seam: a fake agent answers with
// data.scheduler (counts for a scheduler that loads, a verifier log for one
// that does not), so the sweep's selection, table, exit codes and every
// option's error are tested without QEMU.
#include "runner/verifier_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "fake_vm_launcher.h"
#include "runner/exit_codes.h"
#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The agent of each VM: "bad" exits before it attaches with a verifier log;
// every other scheduler attaches and records two struct_ops programs.
struct FakeAgent {
  std::mutex mu;
  std::vector<std::string> dirs;  ///< each launch's instance directory name
  std::uint64_t dispatch_insns = 25000;

  LauncherFactory factory() {
    return [this](const BaseInitramfs&) { return std::make_unique<Launcher>(*this); };
  }
  struct Launcher : VmLauncher {
    explicit Launcher(FakeAgent& a) : agent(a) {}
    VmResult launch(const VmRequest& request) override {
      const std::string dir = request.run_dir.filename().string();
      {
        std::lock_guard lock(agent.mu);
        agent.dirs.push_back(dir);
      }
      const bool bad = dir.starts_with("verifier.bad");
      VmResult r;
      r.outcome = testing::fake_outcome(request, bad ? "fail" : "pass");
      json& s = r.outcome.result["data"]["scheduler"];
      if (bad) {
        r.outcome.result["details"] = {"scheduler 'bad' did not attach"};
        s = {{"ops", ""},
             {"exit_reason", "scheduler 'bad' did not attach: the process exited with status 1"},
             {"output_tail",
              "libbpf: prog 'bad_dispatch': BPF program load failed: Permission denied\n"
              "\x1b[2JR2 invalid mem access 'scalar'\n"}};
      } else {
        s = {{"ops", "s"},
             {"bpf",
              {{"programs",
                {{{"name", "s_enqueue"}, {"type", "struct_ops"}, {"verified_insns", 412}},
                 {{"name", "s_dispatch"},
                  {"type", "struct_ops"},
                  {"verified_insns", agent.dispatch_insns}}}}}}};
      }
      return r;
    }
    FakeAgent& agent;
  };
};

class VerifierCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ktstr_verifier_test_" + std::to_string(getpid()));
    fs::create_directories(dir_ / "cache" / "kernels");
    fs::create_directories(dir_ / "specs");
    std::ofstream(dir_ / "bzImage") << ktstr::testing::fake_bzimage();
    std::ofstream(dir_ / "config") << "CONFIG_VIRTIO_CONSOLE=y\nCONFIG_SCHED_CLASS_EXT=y\n";
    fs::create_directories(dir_ / "eevdf");
    std::ofstream(dir_ / "eevdf" / "bzImage") << ktstr::testing::fake_bzimage();
    std::ofstream(dir_ / "eevdf" / "config") << "CONFIG_VIRTIO_CONSOLE=y\n";
    setenv("KTSTR_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    setenv("KTSTR_AGENT", "/bin/true", 1);
    unsetenv("KTSTR_KERNEL");
  }
  void TearDown() override {
    unsetenv("KTSTR_CACHE_DIR");
    unsetenv("KTSTR_AGENT");
    unsetenv("KTSTR_KERNEL");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  VerifierOptions options(const std::string& spec) {
    std::ofstream(dir_ / "specs" / "s.toml") << spec;
    VerifierOptions o;
    o.paths = {(dir_ / "specs").string()};
    o.kernel = (dir_ / "bzImage").string();
    o.run_dir = (dir_ / "runs").string();
    o.accel = "tcg";
    return o;
  }
  // Runs the sweep; stdout (the run's and the report) in `out_`, stderr in `err_`.
  int sweep(const VerifierOptions& o) {
    std::ostringstream out, err;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int rc = run_verifier(o, agent_.factory(), out, err);
    out_ = ::testing::internal::GetCapturedStdout() + out.str();
    err_ = ::testing::internal::GetCapturedStderr() + err.str();
    return rc;
  }
  fs::path dir_;
  FakeAgent agent_;
  std::string out_, err_;
};

const char* kSpecs =
    "[scheduler.good]\nbinary = \"/bin/true\"\n"
    "[scheduler.good.flags.llc]\nargs = [\"--llc\"]\n"
    "[scheduler.bad]\nbinary = \"/bin/true\"\n"
    "[test.own]\nscheduler = \"good\"\n[[test.own.cgroup]]\nname = \"cg_0\"\n";

TEST_F(VerifierCommandTest, LoadsEachSchedulerOnceAndTablesItsPrograms) {
  EXPECT_EQ(sweep(options(kSpecs)), kExitTestFailed) << err_;
  // Only the sweep's tests ran: not the user's own, not the flag profile.
  EXPECT_THAT(agent_.dirs, ::testing::UnorderedElementsAre("verifier.bad", "verifier.good"));
  EXPECT_THAT(out_, HasSubstr("FAIL ktstr/verifier.bad "));
  EXPECT_THAT(out_, HasSubstr("PASS ktstr/verifier.good "));
  EXPECT_THAT(out_,
              HasSubstr("scheduler  profile  program         verified insns  % of 1M limit\n"
                        "bad        -        (did not load)               -              -\n"
                        "good       -        s_enqueue                  412           0.0%\n"
                        "good       -        s_dispatch               25000           2.5%\n"));
  EXPECT_THAT(out_, HasSubstr("load failed: ktstr/verifier.bad (FAIL; it did not attach)\n"
                              "    scheduler 'bad' did not attach: the process exited with status "
                              "1\n"));
  EXPECT_THAT(out_, HasSubstr("    | \\x1b[2JR2 invalid mem access 'scalar'\n"));
  EXPECT_EQ(out_.find("\x1b[2J"), std::string::npos);
  EXPECT_THAT(out_, HasSubstr("verifier: 2 loads, 1 failed; 2 programs, 0 at or above 90%"));
  // The synthetic spec is gone; the run directory stays, like any run's.
  EXPECT_FALSE(fs::exists(fs::temp_directory_path() / "verifier.toml"));
  EXPECT_THAT(out_, HasSubstr("; run directory " + (dir_ / "runs").string()));
}

TEST_F(VerifierCommandTest, AllProfilesLoadsUnderEveryFlagProfile) {
  VerifierOptions o = options(kSpecs);
  o.schedulers = {"good"};
  o.all_profiles = true;
  EXPECT_EQ(sweep(o), kExitOk) << err_;
  EXPECT_THAT(agent_.dirs, ::testing::UnorderedElementsAre("verifier.good", "verifier.good@llc"));
  EXPECT_THAT(out_, HasSubstr("good       llc      s_dispatch"));
  EXPECT_THAT(out_, HasSubstr("verifier: 2 loads, 0 failed; 4 programs"));
}

TEST_F(VerifierCommandTest, NearTheLimitWarnsButPasses) {
  agent_.dispatch_insns = 990000;
  VerifierOptions o = options(kSpecs);
  o.schedulers = {"good"};
  EXPECT_EQ(sweep(o), kExitOk) << err_;
  EXPECT_THAT(out_, HasSubstr("ktstr-run: warning: good, program s_dispatch: 990000 verified "
                              "instructions are 99.0% of the verifier's limit"));
}

TEST_F(VerifierCommandTest, ABaselineComparesWithAnEarlierSweep) {
  VerifierOptions o = options(kSpecs);
  o.schedulers = {"good"};
  ASSERT_EQ(sweep(o), kExitOk) << err_;
  agent_.dispatch_insns = 26000;
  o.baseline = "latest";
  EXPECT_EQ(sweep(o), kExitOk) << err_;
  EXPECT_THAT(out_, HasSubstr("good       -        s_dispatch           26000           2.6%     "
                              "25000  +1000 (+4.0%)\n"));
  EXPECT_THAT(out_, HasSubstr("1 grew, 0 shrank since the baseline"));
}

TEST_F(VerifierCommandTest, AnUnknownSchedulerIsAUsageErrorWithADidYouMean) {
  VerifierOptions o = options(kSpecs);
  o.schedulers = {"goood"};
  EXPECT_EQ(sweep(o), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("--scheduler goood: no [scheduler.goood] in "));
  EXPECT_THAT(err_, HasSubstr("(did you mean 'good'?); the specs declare bad, good"));
  EXPECT_TRUE(agent_.dirs.empty());
}

TEST_F(VerifierCommandTest, SpecsWithoutASchedulerAreAUsageError) {
  EXPECT_EQ(sweep(options("[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n")), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("no sched_ext scheduler in "));
  EXPECT_TRUE(agent_.dirs.empty());
}

TEST_F(VerifierCommandTest, ASpecErrorIsAUsageError) {
  EXPECT_EQ(sweep(options("[scheduler.s]\nbinery = \"x\"\n")), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("binery"));
  EXPECT_TRUE(agent_.dirs.empty());
}

TEST_F(VerifierCommandTest, AKernelWithoutSchedExtIsExit3NamingKernelBuild) {
  VerifierOptions o = options(kSpecs);
  o.kernel = (dir_ / "eevdf" / "bzImage").string();
  EXPECT_EQ(sweep(o), kExitInfra);
  EXPECT_THAT(err_, HasSubstr("has no sched_ext (CONFIG_SCHED_CLASS_EXT), so no scheduler can "
                              "load; run `ktstr-run kernel build`"));
  EXPECT_TRUE(agent_.dirs.empty());
}

TEST_F(VerifierCommandTest, TwoKernelsAreAUsageError) {
  VerifierOptions o = options(kSpecs);
  o.kernel.clear();
  setenv("KTSTR_KERNEL",
         ((dir_ / "bzImage").string() + "," + (dir_ / "eevdf" / "bzImage").string()).c_str(), 1);
  EXPECT_EQ(sweep(o), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("the sweep runs on one kernel, and KTSTR_KERNEL names 2"));
}

TEST_F(VerifierCommandTest, AMissingBaselineIsExit3AndANonSweepBaselineExit2) {
  VerifierOptions o = options(kSpecs);
  o.baseline = "no-such-run";
  EXPECT_EQ(sweep(o), kExitInfra);
  EXPECT_THAT(err_, HasSubstr("--baseline: no run 'no-such-run'"));
  o.baseline = "latest";
  EXPECT_EQ(sweep(o), kExitInfra);
  EXPECT_THAT(err_, HasSubstr("--baseline: no earlier verifier sweep under "));
  // A run of ordinary tests is no baseline.
  fs::create_directories(dir_ / "runs" / "plain" / "own");
  std::ofstream(dir_ / "runs" / "plain" / "summary.json")
      << R"({"format": 1, "run_id": "plain", "complete": true, "tests": [{"name": "ktstr/own", "dir": "own"}]})";
  std::ofstream(dir_ / "runs" / "plain" / "own" / "result.json")
      << R"({"format": 1, "name": "ktstr/own", "test": "own", "status": "PASS"})";
  o.baseline = (dir_ / "runs" / "plain").string();
  EXPECT_EQ(sweep(o), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("is not a verifier sweep"));
  EXPECT_TRUE(agent_.dirs.empty());
}

TEST_F(VerifierCommandTest, ANegativeJobsIsAUsageError) {
  VerifierOptions o = options(kSpecs);
  o.jobs = -1;
  EXPECT_EQ(sweep(o), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("-j must be 0 (the host's budget) or more (got -1)"));
}

}  // namespace
}  // namespace ktstr
