// The run pipeline through the VmLauncher seam: a fake VM answers instantly, so
// verdicts, SKIPs and exit codes are tested without QEMU.
#include "runner/run_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "guest/protocol/observed_topology.h"
#include "runner/exit_codes.h"
#include "tests/unit/vmm/kernel_test_util.h"
#include "vmm/kernel_cache.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

// Answers every launch with a scripted outcome and records the configs.
class FakeLauncher : public VmLauncher {
 public:
  std::string verdict = "pass";
  bool topology_matches = true;
  std::vector<VmConfig> launched;

  VmOutcome launch(const VmConfig& config, const QemuCommand&, const VmTimeouts&) override {
    launched.push_back(config);
    VmOutcome o;
    o.reason = VmExitReason::kDone;
    o.done = true;
    ObservedTopology seen;
    const TopologySpec t = topology_matches ? config.topology : TopologySpec{1, 1, 1, 1};
    int cpu = 0;
    for (int l = 0; l < t.llcs; ++l) {
      std::vector<int> group;
      for (int c = 0; c < t.cores * t.threads; ++c) group.push_back(cpu++);
      seen.llc_groups.push_back(group);
    }
    seen.cpus = cpu;
    for (int c = 0; c < cpu; c += t.threads) {
      std::vector<int> g;
      for (int k = 0; k < t.threads; ++k) g.push_back(c + k);
      seen.smt_groups.push_back(g);
    }
    const int per_node = cpu / t.numa_nodes;
    for (int n = 0; n < t.numa_nodes; ++n) {
      std::vector<int> g;
      for (int k = 0; k < per_node; ++k) g.push_back(n * per_node + k);
      seen.numa_nodes.push_back(g);
    }
    o.booted = {{"type", "booted"}, {"topology", seen}};
    o.result = {{"type", "result"}, {"verdict", verdict}, {"details", {"worker 3 starved"}}};
    return o;
  }
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ktstr_run_test_" + std::to_string(getpid()));
    fs::create_directories(dir_ / "cache" / "kernels");
    // A fake kernel image (a boot header only): the fake launcher never boots it.
    std::ofstream(dir_ / "bzImage") << testing::fake_bzimage();
    std::ofstream(dir_ / "config") << "CONFIG_VIRTIO_CONSOLE=y\n";
    setenv("KTSTR_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    setenv("KTSTR_AGENT", "/bin/true", 1);
    unsetenv("KTSTR_KERNEL");
  }
  void TearDown() override {
    unsetenv("KTSTR_CACHE_DIR");
    unsetenv("KTSTR_AGENT");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  RunOptions options(const std::string& spec) {
    std::ofstream(dir_ / "t.toml") << spec;
    RunOptions o;
    o.specs.paths = {(dir_ / "t.toml").string()};
    o.kernels = {(dir_ / "bzImage").string()};
    o.run_dir = (dir_ / "runs").string();
    o.accel = "tcg";
    return o;
  }
  fs::path dir_;
};

constexpr const char* kSpec = R"(
[test.a]
topology = "1n2l2c1t"
[[test.a.cgroup]]
name = "cg_0"
)";

// kSpec with extra keys in [test.a].
std::string spec_with(const std::string& keys) {
  return "[test.a]\n" + keys + "\ntopology = \"1n2l2c1t\"\n[[test.a.cgroup]]\nname = \"cg_0\"\n";
}

TEST_F(RunCommandTest, APassingVmExitsZeroAndBootsTheDeclaredTopology) {
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitOk);
  ASSERT_EQ(fake.launched.size(), 1u);
  EXPECT_EQ(fake.launched[0].topology.str(), "1n2l2c1t");
  EXPECT_EQ(fake.launched[0].memory_mib, 2048);
}

// A SIGKILLed runner leaves initrd.img and sockets; the next run removes the
// stale initrd (never results or logs) and leaves no lock of its own (issue 14).
TEST_F(RunCommandTest, ARunCleansUpAfterAKilledRunAndLeavesNoLock) {
  const fs::path killed = dir_ / "runs" / "20260101-000000-999999";
  fs::create_directories(killed / "a");
  std::ofstream(killed / ".lock") << "999999\n";
  std::ofstream(killed / "a" / "initrd.img") << std::string(1000, 'i');
  std::ofstream(killed / "a" / "console.log") << "log\n";
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitOk);
  EXPECT_FALSE(fs::exists(killed / "a" / "initrd.img"));
  EXPECT_TRUE(fs::exists(killed / "a" / "console.log"));
  for (const auto& run : fs::directory_iterator(dir_ / "runs"))
    EXPECT_FALSE(fs::exists(run.path() / ".lock")) << run.path();
}

TEST_F(RunCommandTest, AFailingScenarioExitsOne) {
  FakeLauncher fake;
  fake.verdict = "fail";
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitTestFailed);
}

TEST_F(RunCommandTest, ATopologyMismatchFails) {
  FakeLauncher fake;
  fake.topology_matches = false;
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitTestFailed);
}

TEST_F(RunCommandTest, ExpectErrTurnsAFailureIntoAPass) {
  FakeLauncher fake;
  fake.verdict = "fail";
  EXPECT_EQ(run_tests(options(spec_with("expect_err = true")), fake), kExitOk);
}

TEST_F(RunCommandTest, SpecErrorsExitTwoAndBootNothing) {
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options("[test.a]\ntoplogy = 3\n"), fake), kExitUsage);
  EXPECT_TRUE(fake.launched.empty());
}

TEST_F(RunCommandTest, UnsupportedDeclarativeFeaturesAreRefusedBeforeBooting) {
  FakeLauncher fake;
  EXPECT_EQ(
      run_tests(options(std::string(kSpec) +
                        "[[test.a.step]]\nat = 0.5\nop = \"stop_cgroup\"\ncgroup = \"cg_0\"\n"),
                fake),
      kExitUsage);
  EXPECT_TRUE(fake.launched.empty());
}

TEST_F(RunCommandTest, NoKernelIsAnInfrastructureError) {
  FakeLauncher fake;
  RunOptions o = options(kSpec);
  o.kernels.clear();  // empty cache, no KTSTR_KERNEL
  EXPECT_EQ(run_tests(o, fake), kExitInfra);
  EXPECT_TRUE(fake.launched.empty());
}

// A truncated or empty bzImage in the cache used to boot into "QEMU ended
// (exit 0)"; now the run stops before booting and exits 3 (issue 14).
TEST_F(RunCommandTest, ABrokenCacheEntryIsAnInfrastructureErrorBeforeBooting) {
  std::string error;
  const fs::path root = dir_ / "cache" / "kernels";
  const auto staging = make_staging_dir("6.12.117-cloud", &error, root);
  ASSERT_TRUE(staging) << error;
  std::ofstream(*staging / "bzImage") << testing::fake_bzimage();
  KernelMetadata m;
  m.label = "6.12.117-cloud";
  m.kind = "prebuilt";
  ASSERT_TRUE(install_entry(*staging, m, root).ok());
  fs::resize_file(root / "6.12.117-cloud" / "bzImage", 100);
  FakeLauncher fake;
  RunOptions o = options(kSpec);
  o.kernels = {"6.12.117-cloud"};
  EXPECT_EQ(run_tests(o, fake), kExitInfra);
  EXPECT_TRUE(fake.launched.empty());
}

TEST_F(RunCommandTest, ASchedExtTestOnAKernelWithoutItIsSkippedNotRun) {
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options("[scheduler.simple]\nbinary = \"scx_simple\"\n" +
                              spec_with("scheduler = \"simple\"")),
                      fake),
            kExitOk);
  EXPECT_TRUE(fake.launched.empty());
}

}  // namespace
}  // namespace ktstr
