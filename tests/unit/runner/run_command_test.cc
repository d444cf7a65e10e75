// The run pipeline through the VmLauncher seam: a fake VM answers instantly, so
// verdicts, SKIPs and exit codes are tested without QEMU.
#include "runner/run_command.h"
#include "runner/step_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "fake_vm_launcher.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/worker_report.h"
#include "runner/exit_codes.h"
#include "runner/reeval_command.h"
#include "runner/spec_commands.h"
#include "tests/unit/vmm/kernel_test_util.h"
#include "vmm/kernel_cache.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

// The guest's files of a request as one string: each guest path, then its
// content (the bytes, or the host file's), as the initrd would carry them.
std::string guest_files_text(const VmRequest& request) {
  std::string out;
  for (const InitramfsEntry& e : request.guest_files) {
    out += e.guest_path + "\n";
    if (e.host_path.empty()) {
      out += e.bytes;
    } else {
      std::ifstream in(e.host_path, std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    out += "\n";
  }
  return out;
}

// Answers every launch with a scripted outcome and records the requests.
class FakeLauncher : public VmLauncher {
 public:
  std::string verdict = "pass";
  bool topology_matches = true;
  std::vector<std::string> details = {"worker 3 starved"};
  std::string console_tail;  ///< what the guest's console showed
  int throw_on_launch = 0;   ///< 1-based launch that throws (0: none)
  std::vector<VmRequest> launched;
  std::vector<std::string> initrds;  ///< each launch's guest files (guest_files_text)
  VmLaunchInfo info;                 ///< returned with every outcome
  nlohmann::json telemetry;          ///< the result's data.telemetry, when not null

  VmResult launch(const VmRequest& request) override { return {outcome(request), info}; }

  VmOutcome outcome(const VmRequest& config) {
    launched.push_back(config);
    initrds.push_back(guest_files_text(config));
    if (static_cast<int>(launched.size()) == throw_on_launch)
      throw std::runtime_error("launcher failed\x1b[2J");
    VmOutcome o;
    o.console_tail = console_tail;
    o.reason = VmExitReason::kDone;
    o.done = true;
    const ObservedTopology seen = testing::observed_as_declared(
        topology_matches ? config.topology : TopologySpec{1, 1, 1, 1});
    o.booted = {{"type", "booted"}, {"topology", seen}};
    o.result = {{"type", "result"}, {"verdict", verdict}, {"details", details}};
    // Every agent sends a telemetry (an empty one when no worker ran).
    o.result["data"]["telemetry"] =
        telemetry.is_null() ? nlohmann::json(ScenarioTelemetry{}) : telemetry;
    return o;
  }
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ktstr_run_test_" + std::to_string(getpid()));
    fs::create_directories(dir_ / "cache" / "kernels");
    // A fake kernel image (a boot header only): the fake launcher never boots it.
    std::ofstream(dir_ / "bzImage") << ktstr::testing::fake_bzimage();
    std::ofstream(dir_ / "config") << "CONFIG_VIRTIO_CONSOLE=y\n";
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
  RunOptions options(const std::string& spec) {
    std::ofstream(dir_ / "t.toml") << spec;
    RunOptions o;
    o.specs.paths = {(dir_ / "t.toml").string()};
    o.kernels = {(dir_ / "bzImage").string()};
    o.run_dir = (dir_ / "runs").string();
    o.accel = "tcg";
    return o;
  }
  /// Every result.json under the run dir, parsed strictly (invalid UTF-8 throws).
  std::vector<nlohmann::json> results() const {
    std::vector<nlohmann::json> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "runs")) {
      if (e.path().filename() != "result.json") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      EXPECT_EQ(text.find('\x1b'), std::string::npos) << "raw ESC in " << e.path();
      out.push_back(nlohmann::json::parse(text));
    }
    return out;
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
  EXPECT_EQ(run_tests(options(std::string(kSpec) +
                              "[[test.a.step]]\nat = 0.5\nop = \"run_payload\"\npayload = \"p\"\n"),
                      fake),
            kExitUsage);
  EXPECT_TRUE(fake.launched.empty());
}

TEST_F(RunCommandTest, StepsReachTheGuestWithTheirTimes) {
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options(std::string(kSpec) +
                              "[[test.a.step]]\nat = 0.5\nop = \"set_cpuset\"\ncgroup = "
                              "\"cg_0\"\ncpuset = \"0\"\n"
                              "[[test.a.step]]\nat = \"1500ms\"\nop = \"add_cgroup\"\ncgroup = "
                              "\"late\"\nworkers = 3\n"),
                      fake),
            kExitOk);
  ASSERT_EQ(fake.initrds.size(), 1u);
  const std::string& initrd = fake.initrds[0];
  const size_t at = initrd.find("\"steps\"");
  ASSERT_NE(at, std::string::npos);
  const std::string steps = initrd.substr(at, 600);
  for (const char* want : {"\"op\": \"set_cpuset\"", "\"at\": 0.5", "\"at_ms\": 1500.0",
                           "\"op\": \"add_cgroup\"", "\"workers\": 3", "\"cgroup\": \"late\""})
    EXPECT_NE(steps.find(want), std::string::npos) << want << " in " << steps;
}

TEST(StepAt, MillisecondsAndSeconds) {
  EXPECT_EQ(step_at_ms("1500ms"), 1500);
  EXPECT_EQ(step_at_ms("2s"), 2000);
  EXPECT_EQ(step_at_ms("0.25s"), 250);
  EXPECT_EQ(step_at_ms("2"), std::nullopt);
  EXPECT_EQ(step_at_ms("ms"), std::nullopt);
  EXPECT_EQ(step_at_ms("1.2.3s"), std::nullopt);
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
  std::ofstream(*staging / "bzImage") << ktstr::testing::fake_bzimage();
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

TEST_F(RunCommandTest, ARunDirThatIsAFileIsAnInfrastructureErrorNotACrash) {
  FakeLauncher fake;
  RunOptions o = options(kSpec);
  std::ofstream(dir_ / "plain") << "x";
  o.run_dir = (dir_ / "plain").string();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_tests(o, fake), kExitInfra);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cannot create a run directory in"), std::string::npos) << err;
  EXPECT_NE(err.find("(--run-dir)"), std::string::npos) << err;
  EXPECT_TRUE(fake.launched.empty());
}

// Issue 14: every spec `run` refuses before booting, `check` refuses too, with
// the same message; before, each of these passed `check` and FAILed at run time.
struct Hostile {
  const char* what;
  std::string keys;     // in [test.a]
  std::string extra;    // after its [[test.a.cgroup]] table
  const char* message;  // part of the message both print
};

std::vector<Hostile> hostile_specs() {
  return {
      {"space in kargs", "kargs = [\"a b\"]", "", "contains a space"},
      {"newline in kargs", "kargs = [\"a\\nb\"]", "", "control or non-ASCII character (byte 0x0a)"},
      {"NUL in kargs", "kargs = [\"a\\u0000b\"]", "", "(byte 0x00)"},
      {"-- in kargs", "kargs = [\"--\"]", "", "'--' is not allowed"},
      {"init= in kargs", "kargs = [\"init=/bin/sh\"]", "", "set by ktstr-run"},
      {"quote in kargs", "kargs = [\"a='b'\"]", "", "quote or backslash"},
      {"kargs over 2047 bytes", "kargs = [\"x=" + std::string(2100, 'y') + "\"]", "",
       "the kernel accepts at most 2047"},
      {"too many kargs words",
       [] {
         std::string k = "kargs = [";
         for (int i = 0; i < 30; ++i) k += "\"k" + std::to_string(i) + "=1\",";
         return k + "]";
       }(),
       "", "key=value words, at most 25 are allowed"},
      {"16384 CPUs", "topology = { llcs = 64, cores = 256 }", "",
       "exceed the q35 machine's limit of 288"},
      {"APIC ID", "topology = { llcs = 15, cores = 9, threads = 2 }", "",
       "needs APIC IDs up to 465, but QEMU (tcg) supports at most 254"},
      {"memory_mib", "memory_mib = 1000000000000", "", "memory_mib must be at most 65536"},
      {"duration_s", "duration_s = 1.7e308", "", "duration_s must be at most 86400"},
      {"timeout_s", "timeout_s = 1e300", "", "timeout_s must be at most 259200"},
      {"topology number", "topology = \"99999999999n1l1c1t\"", "",
       "numa nodes (99999999999) must be at most 288"},
      {"topology number over 32 bits", "topology = \"1n1l4294967298c1t\"", "",
       "cores per llc (4294967298) must be at most 288"},
      {"an odd count of a paired work type", "", "work = \"futex_ping_pong\"\nworkers = 3\n",
       "futex_ping_pong needs a worker count divisible by 2"},
      {"a work_args key", "", "work = \"bursty\"\nwork_args = { sleeep_ms = 1 }\n",
       "unknown key 'sleeep_ms' in [test.a.cgroup[0].work_args] (did you mean 'sleep_ms'?)"},
      {"a payload step", "", "[[test.a.step]]\nat = 0.5\nop = \"kill_payload\"\npayload = \"p\"\n",
       "step 1: op = \"kill_payload\" is not supported: payloads are not supported by the VM "
       "runner "
       "yet (key 'op')"},
      {"a step on an unknown cgroup", "",
       "[[test.a.step]]\nat = 0.5\nop = \"stop_cgroup\"\ncgroup = \"cg_9\"\n",
       "step 'stop_cgroup' names cgroup 'cg_9', which is not declared"},
      {"a step on a nested cgroup's parent", "",
       "[[test.a.step]]\nat = 0.5\nop = \"stop_cgroup\"\ncgroup = \"cg_0/x\"\n",
       "step 'stop_cgroup' names cgroup 'cg_0/x', which is not declared"},
      {"a step after the cgroup was removed", "",
       "[[test.a.step]]\nat = 0.5\nop = \"stop_cgroup\"\ncgroup = \"cg_0\"\n"
       "[[test.a.step]]\nat = 0.2\nop = \"remove_cgroup\"\ncgroup = \"cg_0\"\n",
       "step 1: cgroup 'cg_0' no longer exists: step 2 (remove_cgroup) removed it before"},
      {"a step on a cgroup added later", "",
       "[[test.a.step]]\nat = 0.2\nop = \"stop_cgroup\"\ncgroup = \"late\"\n"
       "[[test.a.step]]\nat = 0.5\nop = \"add_cgroup\"\ncgroup = \"late\"\n",
       "step 1: cgroup 'late' does not exist yet at this time: only an add_cgroup step later in "
       "the run creates it (existing then: cg_0)"},
      {"a step beyond the duration", "duration_s = 2",
       "[[test.a.step]]\nat = \"2500ms\"\nop = \"stop_cgroup\"\ncgroup = \"cg_0\"\n",
       "step 1: at = \"2500ms\" is beyond the end of the run (duration_s = 2)"},
      {"a scheduler binary", "scheduler = \"s\"", "[scheduler.s]\nbinary = \"./no-such-scx\"\n",
       "binary './no-such-scx' not found"},
      {"a cgroupfs file name", "", "[[test.a.cgroup]]\nname = \"cgroup.procs\"\n",
       "cgroupfs reserves for its interface files"},
      {"a sysctl path", "sysctls = { \"kernel/foo\" = 1 }", "",
       "'kernel/foo' is not a sysctl name"},
  };
}

TEST_F(RunCommandTest, CheckAndRunRefuseTheSameHostileSpecsWithTheSameMessage) {
  // A sched_ext kernel: scheduler binaries are looked for only when a kernel
  // of the run could load them (elsewhere the run skips the test).
  std::ofstream(dir_ / "config") << "CONFIG_VIRTIO_CONSOLE=y\nCONFIG_SCHED_CLASS_EXT=y\n";
  // check has no --kernel: both commands see the same kernel through KTSTR_KERNEL.
  setenv("KTSTR_KERNEL", (dir_ / "bzImage").c_str(), 1);
  for (const Hostile& h : hostile_specs()) {
    SCOPED_TRACE(h.what);
    FakeLauncher fake;
    RunOptions o =
        options("[test.a]\n" + h.keys + "\n[[test.a.cgroup]]\nname = \"cg_0\"\n" + h.extra);
    ::testing::internal::CaptureStderr();
    std::ostringstream out;
    const int check_exit = run_check(o.specs, false, out);
    const std::string check_err = ::testing::internal::GetCapturedStderr();
    ::testing::internal::CaptureStderr();
    const int run_exit = run_tests(o, fake);
    const std::string run_err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(check_exit, kExitUsage) << check_err;
    EXPECT_EQ(run_exit, kExitUsage) << run_err;
    EXPECT_TRUE(fake.launched.empty());
    EXPECT_NE(check_err.find(h.message), std::string::npos) << check_err;
    EXPECT_EQ(check_err, run_err);
  }
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// The FakeLauncher, scripted per launch: verdicts by launch index, a teardown
// time, and the initrd each launch got (read while it still exists).
class ScriptedLauncher : public FakeLauncher {
 public:
  std::vector<std::string> verdicts;  ///< by launch index; "" = FakeLauncher::verdict
  double teardown_ms = 0;
  std::vector<std::string> initrds;

  VmResult launch(const VmRequest& request) override {
    const size_t i = launched.size();
    if (i < verdicts.size() && !verdicts[i].empty()) verdict = verdicts[i];
    VmOutcome o = FakeLauncher::outcome(request);
    o.timings.teardown_ms = teardown_ms;
    initrds.push_back(guest_files_text(request));
    return {o, info};
  }
};

// The launcher booted twice (vmm/qemu_vm_launcher_test.cc covers when): the
// runner shows its note and stores it in result.json.
constexpr const char* kRetryNote =
    "the first boot crashed in the guest kernel before the agent ran (under TCG; docs/vm.md): "
    "Oops: general protection fault\\x1b[2J; booted again (its logs: console.attempt-1.log)";

TEST_F(RunCommandTest, ABootRetryIsANoteOnAPassAndInResultJson) {
  FakeLauncher fake;
  fake.info.boot_retry = kRetryNote;
  RunOptions o = options(kSpec);
  o.verbose = true;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(o, fake), kExitOk);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::HasSubstr("PASS ktstr/a "));
  EXPECT_THAT(out, ::testing::HasSubstr(std::string("note: ") + kRetryNote));
  const auto rj = results();
  ASSERT_EQ(rj.size(), 1u);
  EXPECT_EQ(rj[0]["boot_retry"], kRetryNote);
}

TEST_F(RunCommandTest, ABootRetryThatFailedTooIsAmongTheReasons) {
  FakeLauncher fake;
  fake.verdict = "fail";
  fake.info.boot_retry = kRetryNote;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitTestFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::HasSubstr("FAIL ktstr/a "));
  EXPECT_THAT(out, ::testing::HasSubstr("    the first boot crashed in the guest kernel"));
}

TEST_F(RunCommandTest, TheLaunchersTcgThreadsAndInitrdSizesReachResultJson) {
  FakeLauncher fake;
  fake.info.tcg_threads = "single";
  fake.info.initrd.base_bytes = 4096;
  fake.info.initrd.overlay_bytes = 512;
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitOk);
  const auto rj = results();
  ASSERT_EQ(rj.size(), 1u);
  EXPECT_EQ(rj[0]["tcg_threads"], "single");
  EXPECT_EQ(rj[0]["initrd"]["base_bytes"], 4096);
  EXPECT_EQ(rj[0]["initrd"]["overlay_bytes"], 512);
}

TEST_F(RunCommandTest, ReplicasRunEachInItsOwnVmAndDirectory) {
  ScriptedLauncher fake;
  ::testing::internal::CaptureStdout();
  RunOptions o = options(spec_with("replicas = 3"));
  o.jobs = 1;  // launch order = plan order
  EXPECT_EQ(run_tests(o, fake), kExitOk);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(fake.launched.size(), 3u);
  EXPECT_EQ(fake.launched[0].run_dir.filename(), "replica-1");
  EXPECT_EQ(fake.launched[2].run_dir.filename(), "replica-3");
  EXPECT_TRUE(fs::exists(fake.launched[1].run_dir / "result.json"));
  EXPECT_THAT(out, ::testing::HasSubstr("PASS ktstr/a (replica 2/3) "));
  EXPECT_THAT(out, ::testing::HasSubstr("3 passed, 0 failed"));  // a verdict per replica
}

TEST_F(RunCommandTest, OneFailingReplicaFailsTheTestAndIsNamed) {
  ScriptedLauncher fake;
  fake.verdicts = {"pass", "fail", "pass"};
  ::testing::internal::CaptureStdout();
  RunOptions o = options(spec_with("replicas = 3"));
  o.jobs = 1;  // launch order = plan order
  EXPECT_EQ(run_tests(o, fake), kExitTestFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(fake.launched.size(), 3u);  // every replica runs: the count says how flaky
  EXPECT_THAT(out, ::testing::HasSubstr("FAIL ktstr/a (replica 2/3) "));
  EXPECT_THAT(out, ::testing::HasSubstr("    | worker 3 starved"));
  EXPECT_THAT(out, ::testing::HasSubstr("2 passed, 1 failed"));
}

TEST_F(RunCommandTest, ATeardownOverTheCleanupBudgetFails) {
  ScriptedLauncher fake;
  fake.teardown_ms = 0.4;  // a real teardown is never 0 ms
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(options(spec_with("cleanup_budget_ms = 0")), fake), kExitTestFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out,
              ::testing::HasSubstr("    cleanup_budget_ms: host-side VM teardown took 0.4 ms > "
                                   "cleanup_budget_ms = 0 (" +
                                   (dir_ / "t.toml").string() + ":2)\n"));
}

TEST_F(RunCommandTest, ATeardownWithinTheCleanupBudgetPasses) {
  ScriptedLauncher fake;
  fake.teardown_ms = 120;
  EXPECT_EQ(run_tests(options(spec_with("cleanup_budget_ms = 500")), fake), kExitOk);
}

/// Two workers of cg_0; worker 1 was off its CPU `off_pct` % of the time.
nlohmann::json two_workers(int off_pct) {
  nlohmann::json t = {{"version", 1}, {"workers", nlohmann::json::array()}};
  for (int i = 0; i < 2; ++i)
    t["workers"].push_back({{"cgroup", "cg_0"},
                            {"index", i},
                            {"work", "spin"},
                            {"work_units", 1000},
                            {"iterations", 10},
                            {"wall_ns", 1'000'000'000},
                            {"cpu_ns", 1'000'000'000 - (i ? off_pct : 0) * 10'000'000},
                            {"off_cpu_ns", (i ? off_pct : 0) * 10'000'000},
                            {"cpus_used", {i}},
                            {"completed", true}});
  return t;
}

TEST_F(RunCommandTest, TheChecksJudgeTheTelemetryAndTheRecordIsStored) {
  FakeLauncher fake;
  fake.details = {};
  fake.telemetry = two_workers(40);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitTestFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::HasSubstr(
                       "    max_spread_pct: cgroup 'cg_0': spread 40.0% (worker 1 off-CPU 40.0%, "
                       "worker 0 0.0%) > max_spread_pct = 15 (built-in)\n"));
  std::vector<nlohmann::json> rj = results();
  ASSERT_EQ(rj.size(), 1u);
  EXPECT_EQ(rj[0]["verdict"], "FAIL");
  EXPECT_EQ(rj[0]["record"]["version"], 1);
  EXPECT_EQ(rj[0]["record"]["name"], "ktstr/a");
  EXPECT_EQ(rj[0]["record"]["result"]["data"]["telemetry"], fake.telemetry);
  EXPECT_TRUE(rj[0].contains("outcome"));  // the rest of the sidecar stays
}

TEST_F(RunCommandTest, ASetThresholdNamesTheSet) {
  FakeLauncher fake;
  fake.details = {};
  fake.telemetry = two_workers(10);
  RunOptions o = options(kSpec);
  EXPECT_EQ(run_tests(o, fake), kExitOk);  // 10 % is within the built-in 15
  o.specs.sets = {"max_spread_pct=5"};
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(o, fake), kExitTestFailed);
  EXPECT_THAT(::testing::internal::GetCapturedStdout(),
              ::testing::HasSubstr("> max_spread_pct = 5 (--set max_spread_pct=5)\n"));
}

TEST_F(RunCommandTest, AnInconclusiveVerdictFailsTheRunUnlessAllowed) {
  FakeLauncher fake;
  fake.details = {};
  fake.telemetry = two_workers(0);
  fake.telemetry["workers"][1]["cpu_ns"] = 0;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(options(spec_with("checks = { min_work_rate = 10 }")), fake),
            kExitTestFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::HasSubstr("INCONCLUSIVE ktstr/a "));
  EXPECT_THAT(out, ::testing::HasSubstr("    min_work_rate: cgroup 'cg_0': worker 1 has cpu_ns = "
                                        "0, so its rate is undefined (min_work_rate = 10 ("));
  EXPECT_THAT(out, ::testing::HasSubstr("0 passed, 0 failed, 1 inconclusive, 0 skipped"));
  EXPECT_EQ(run_tests(options(spec_with("checks = { min_work_rate = 10 }\n"
                                        "allow_inconclusive = true")),
                      fake),
            kExitOk);
}

TEST_F(RunCommandTest, VerboseShowsAPasssNotesAndDetails) {
  FakeLauncher fake;
  fake.details = {"plugin: all rounds done"};
  fake.telemetry = two_workers(0);
  fake.telemetry["workers"].erase(1);  // one worker: no spread to compute
  RunOptions o = options(kSpec);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(o, fake), kExitOk);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("note:")));
  o.verbose = true;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(o, fake), kExitOk);
  out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, ::testing::HasSubstr(
                       "    note: max_spread_pct: cgroup 'cg_0': 1 worker, no spread to compute "
                       "(needs 2)\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("    detail:\n    | plugin: all rounds done\n"));
}

TEST_F(RunCommandTest, AMissingIncludeFileIsRefusedBeforeBooting) {
  ScriptedLauncher fake;
  EXPECT_EQ(run_tests(options(spec_with("extra_include_files = [\"/nonexistent/file\"]")), fake),
            kExitUsage);
  EXPECT_TRUE(fake.launched.empty());
}

TEST_F(RunCommandTest, IncludedFilesAreInTheGuestsInitrd) {
  ScriptedLauncher fake;
  std::ofstream(dir_ / "marker.txt") << "ktstr-include-marker";
  EXPECT_EQ(run_tests(options(spec_with("extra_include_files = [\"./marker.txt\"]")), fake),
            kExitOk);
  ASSERT_EQ(fake.initrds.size(), 1u);
  EXPECT_THAT(fake.initrds[0], ::testing::HasSubstr("ktstr/include/marker.txt"));
  EXPECT_THAT(fake.initrds[0], ::testing::HasSubstr("ktstr-include-marker"));
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

TEST_F(RunCommandTest, HostOnlyWithoutAWritableCgroup2IsAnInfrastructureError) {
  ScriptedLauncher fake;
  setenv("KTSTR_HOST_CGROUP", dir_.c_str(), 1);  // a plain directory
  ::testing::internal::CaptureStderr();
  const int rc = run_tests(options(spec_with("host_only = true")), fake);
  const std::string err = ::testing::internal::GetCapturedStderr();
  unsetenv("KTSTR_HOST_CGROUP");
  EXPECT_EQ(rc, kExitInfra);
  EXPECT_THAT(err, ::testing::HasSubstr("host_only needs cgroup v2"));
  EXPECT_TRUE(fake.launched.empty());
}

constexpr const char* kTwoTests = R"(
[test.a]
topology = "1n2l2c1t"
[[test.a.cgroup]]
name = "cg_0"
[test.b]
topology = "1n2l2c1t"
[[test.b.cgroup]]
name = "cg_0"
)";

TEST_F(RunCommandTest, InvalidUtf8FromTheGuestNeitherCrashesNorStopsTheRun) {
  // issue 14: "\xff\n" on the guest's stdout ended ktstr-run with exit 134,
  // an empty result.json and no later test run.
  FakeLauncher fake;
  fake.console_tail = "\xff\n";
  fake.details = {"bad \xfe byte"};
  ::testing::internal::CaptureStdout();
  const int rc = run_tests(options(kTwoTests), fake);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, kExitOk) << out;
  EXPECT_EQ(fake.launched.size(), 2u);
  EXPECT_NE(out.find("2 passed, 0 failed"), std::string::npos) << out;
  std::vector<nlohmann::json> rj;
  ASSERT_NO_THROW(rj = results());
  ASSERT_EQ(rj.size(), 2u);
  for (const auto& r : rj) {
    EXPECT_EQ(r["verdict"], "PASS");
    EXPECT_EQ(r["outcome"]["console_tail"], "\xEF\xBF\xBD\n");
  }
}

TEST_F(RunCommandTest, AnExceptionInOneTestFailsThatTestAndTheRunGoesOn) {
  FakeLauncher fake;
  fake.throw_on_launch = 1;
  ::testing::internal::CaptureStdout();
  const int rc = run_tests(options(kTwoTests), fake);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, kExitTestFailed) << out;
  EXPECT_EQ(fake.launched.size(), 2u);
  EXPECT_NE(out.find("FAIL "), std::string::npos) << out;
  EXPECT_NE(out.find("    internal error: launcher failed\\x1b[2J\n"), std::string::npos) << out;
  EXPECT_NE(out.find("1 passed, 1 failed"), std::string::npos) << out;
}

TEST_F(RunCommandTest, GuestTextCannotForgeAVerdictLineOrReachTheTerminalRaw) {
  // issue 14: a detail "first\nPASS ktstr/fake 0.1s" printed a fake PASS line.
  FakeLauncher fake;
  fake.verdict = "fail";
  fake.details = {"first\nPASS ktstr/fake 0.1s", "\x1b]0;owned\x07\x1b[31m\r"};
  fake.console_tail = "\r\x1b[1APASS ktstr/console 0.1s\n";
  ::testing::internal::CaptureStdout();
  const int rc = run_tests(options(kSpec), fake);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, kExitTestFailed) << out;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_FALSE(line.starts_with("PASS")) << out;
    for (char c : line) EXPECT_FALSE(c == '\x1b' || c == '\r' || c == '\x07') << line;
  }
  EXPECT_NE(out.find("    | first\n    | PASS ktstr/fake 0.1s\n"), std::string::npos) << out;
  EXPECT_NE(out.find("    | \\x1b]0;owned\\x07\\x1b[31m\\r\n"), std::string::npos) << out;
  // result.json keeps the guest's text exactly, escaped by JSON itself (\u001b).
  std::vector<nlohmann::json> rj = results();
  ASSERT_EQ(rj.size(), 1u);
  EXPECT_EQ(rj[0]["outcome"]["result"]["details"][1], "\x1b]0;owned\x07\x1b[31m\r");
}

TEST_F(RunCommandTest, SysctlBooleansReachTheGuestAsOneAndZero) {
  // issue 14: `true` was written to /proc/sys as "true", which the kernel rejects.
  FakeLauncher fake;
  EXPECT_EQ(run_tests(options(spec_with("sysctls = { \"kernel.sched_autogroup_enabled\" = false, "
                                        "\"kernel.x\" = true, \"vm.n\" = 3, \"vm.s\" = \"a b\" }")),
                      fake),
            kExitOk);
  ASSERT_EQ(fake.initrds.size(), 1u);
  const std::string& initrd = fake.initrds[0];
  for (const char* want : {"\"kernel.sched_autogroup_enabled\": \"0\"", "\"kernel.x\": \"1\"",
                           "\"vm.n\": \"3\"", "\"vm.s\": \"a b\""}) {
    EXPECT_NE(initrd.find(want), std::string::npos) << want;
  }
}

}  // namespace
}  // namespace ktstr

namespace ktstr {
namespace {

// The record a run stores is the one reeval reads: edit a threshold, and the
// stored PASS flips without another boot.
TEST_F(RunCommandTest, AStoredRunIsJudgedAgainstTheEditedSpecByReeval) {
  FakeLauncher fake;
  fake.details = {};
  fake.telemetry = two_workers(10);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_tests(options(kSpec), fake), kExitOk);
  ::testing::internal::GetCapturedStdout();
  const size_t launches = fake.launched.size();
  std::ofstream(dir_ / "t.toml") << std::string(kSpec) + "[test.a.checks]\nmax_spread_pct = 5\n";
  ReevalOptions o;
  o.run_dir = (dir_ / "runs").string();  // above the run directory: every run in it
  std::ostringstream out, err;
  EXPECT_EQ(run_reeval(o, out, err), kExitTestFailed) << err.str();
  EXPECT_THAT(out.str(), ::testing::HasSubstr("FAIL ktstr/a "));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("s  (PASS → FAIL)\n"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("> max_spread_pct = 5 (" +
                                              (dir_ / "t.toml").string() + ":7)\n"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("    cg_0          2  0-1"));
  EXPECT_EQ(fake.launched.size(), launches);  // nothing booted
}

}  // namespace
}  // namespace ktstr
