// supervise_vm() against a fake QEMU (tests/data/fake_qemu/fake_qemu.py) that
// connects to the supervisor's sockets, serves QMP and plays one scenario.
#include "vmm/vm_supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const std::string kFake = std::string(KTSTR_TEST_DATA) + "/fake_qemu/fake_qemu.py";

std::string python() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

class VmSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ktstr-sv-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// A spec that runs the fake with `scenario` and short timeouts.
  VmRunSpec spec(const std::string& scenario) {
    VmRunSpec s;
    s.run_dir = dir_;
    s.endpoints = qemu_endpoints(dir_);
    s.argv = {python(),     kFake,
              "--console",  s.endpoints.console_socket.string(),
              "--channel",  s.endpoints.channel_socket.string(),
              "--qmp",      s.endpoints.qmp_socket.string(),
              "--log",      s.endpoints.console_log.string(),
              "--pidfile",  (dir_ / "fake.pid").string(),
              "--scenario", scenario};
    s.timeouts.boot = milliseconds(10'000);
    s.timeouts.scenario = milliseconds(10'000);
    s.timeouts.hard = milliseconds(30'000);
    s.timeouts.poweroff_grace = milliseconds(2'000);
    s.timeouts.panic_grace = milliseconds(200);
    s.timeouts.quit_grace = milliseconds(2'000);
    s.timeouts.term_grace = milliseconds(300);
    s.registry = &registry_;
    return s;
  }

  /// The fake's pid is no longer a live process (and nothing is left in its group).
  void expect_no_survivor() {
    std::ifstream in(dir_ / "fake.pid");
    pid_t pid = 0;
    if (!(in >> pid)) return;  // never started far enough to write it
    EXPECT_EQ(kill(-pid, 0), -1) << "process group " << pid << " survived";
    EXPECT_EQ(registry_.live(), 0);
    for (const char* name : {"console.sock", "agent.sock", "qmp.sock"}) {
      EXPECT_FALSE(fs::exists(dir_ / name)) << name << " left behind";
    }
  }

  fs::path dir_;
  VmRegistry registry_;
};

TEST_F(VmSupervisorTest, BootedResultDoneIsSuccess) {
  VmOutcome out = supervise_vm(spec("ok"));
  EXPECT_EQ(out.reason, VmExitReason::kDone) << out.detail << "\n" << out.stderr_tail;
  EXPECT_TRUE(out.completed());
  EXPECT_EQ(out.booted.value("type", ""), "booted");
  EXPECT_EQ(out.result.value("verdict", ""), "pass");
  EXPECT_EQ(out.frames.size(), 4u);
  EXPECT_EQ(out.channel.bad_crc, 0u);
  EXPECT_EQ(out.qemu_exit_code, 0);
  EXPECT_TRUE(out.timings.launch_to_booted_ms.has_value());
  EXPECT_TRUE(out.timings.booted_to_done_ms.has_value());
  EXPECT_GE(out.timings.total_ms, *out.timings.launch_to_booted_ms);
  EXPECT_NE(out.console_tail.find("reboot: Power down"), std::string::npos) << out.console_tail;
  EXPECT_TRUE(out.findings.empty());
  // Frames and console are kept in the run directory.
  std::ifstream frames(out.frames_path);
  int lines = 0;
  for (std::string line; std::getline(frames, line);) ++lines;
  EXPECT_EQ(lines, 4);
  EXPECT_EQ(out.console_log_path, dir_ / "console.log");
  EXPECT_TRUE(fs::exists(out.console_log_path));
  expect_no_survivor();
}

// A large scenario's telemetry (64 workers for 10 s is ~1.1 MiB at every
// cap) arrives in one result frame: the default cap is 8 MiB.
TEST_F(VmSupervisorTest, AResultFrameOfSeveralMegabytesIsAccepted) {
  VmOutcome out = supervise_vm(spec("big_result"));
  EXPECT_EQ(out.reason, VmExitReason::kDone) << out.detail << "\n" << out.stderr_tail;
  EXPECT_EQ(out.result.value("verdict", ""), "pass");
  EXPECT_EQ(out.channel.bad_crc, 0u);
  ASSERT_TRUE(out.result.contains("data"));
  EXPECT_EQ(out.result["data"]["telemetry"]["pad"].get<std::string>().size(), 3u << 20);
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, QemuExitCodeDoesNotDecideSuccess) {
  VmOutcome out = supervise_vm(spec("ok_exit3"));
  EXPECT_EQ(out.reason, VmExitReason::kDone) << out.detail;
  EXPECT_EQ(out.qemu_exit_code, 3);
}

TEST_F(VmSupervisorTest, GarbageOnTheChannelIsCountedAndSkipped) {
  VmOutcome out = supervise_vm(spec("garbage"));
  EXPECT_EQ(out.reason, VmExitReason::kDone) << out.detail;
  EXPECT_EQ(out.result.value("verdict", ""), "fail");
  EXPECT_EQ(out.frames.size(), 3u);  // booted, result, done
  EXPECT_GE(out.channel.bad_crc, 1u);
  EXPECT_GE(out.channel.bad_json, 1u);
  EXPECT_GT(out.channel.skipped_bytes, 3000u);
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, NoBootedFrameIsABootTimeoutEndedByQmpQuit) {
  VmRunSpec s = spec("no_boot");
  s.timeouts.boot = milliseconds(1500);
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kBootTimeout) << out.detail;
  EXPECT_NE(out.detail.find("no 'booted' frame within 1.5 s"), std::string::npos) << out.detail;
  EXPECT_NE(out.detail.find("waiting for something that never comes"), std::string::npos)
      << out.detail;
  EXPECT_NE(out.detail.find("QMP quit"), std::string::npos) << out.detail;
  EXPECT_EQ(out.qmp_shutdown_reason, "host-qmp-quit");
  EXPECT_TRUE(out.booted.is_null());
  EXPECT_FALSE(out.timings.launch_to_booted_ms.has_value());
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, AStubbornQemuIsKilled) {
  VmRunSpec s = spec("no_boot_stubborn");
  s.timeouts.boot = milliseconds(1000);
  s.timeouts.quit_grace = milliseconds(300);
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kBootTimeout) << out.detail;
  EXPECT_NE(out.detail.find("SIGKILL"), std::string::npos) << out.detail;
  EXPECT_EQ(out.qemu_signal, SIGKILL);
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, NoDoneAfterBootIsAScenarioTimeout) {
  VmRunSpec s = spec("hang_after_boot");
  s.timeouts.scenario = milliseconds(1000);
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kScenarioTimeout) << out.detail;
  EXPECT_NE(out.detail.find("last frame: phase"), std::string::npos) << out.detail;
  EXPECT_FALSE(out.booted.is_null());
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, HardTimeoutWins) {
  VmRunSpec s = spec("hang_after_boot");
  s.timeouts.hard = milliseconds(1000);
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kHardTimeout) << out.detail;
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, AgentDeathIsDetectedFromTheConsoleWithoutWaiting) {
  VmRunSpec s = spec("agent_died");
  s.timeouts.scenario = milliseconds(60'000);  // must not be what ends it
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kAgentDied) << out.detail;
  EXPECT_NE(out.detail.find("killed by signal 11"), std::string::npos) << out.detail;
  EXPECT_LT(out.timings.total_ms, 30'000);
  ASSERT_FALSE(out.findings.empty());
  EXPECT_EQ(out.findings[0].kind, FindingKind::kKernelPanic);
  EXPECT_NE(out.console_tail.find("end Kernel panic"), std::string::npos) << out.console_tail;
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, PanicThenQemuExitZeroIsAPanic) {
  VmOutcome out = supervise_vm(spec("panic_exit"));
  EXPECT_EQ(out.reason, VmExitReason::kPanic) << out.detail;
  EXPECT_EQ(out.detail.substr(0, 29), "kernel panic: Fatal exception");
  EXPECT_EQ(out.qemu_exit_code, 0);
  std::vector<FindingKind> kinds;
  for (const auto& f : out.findings) kinds.push_back(f.kind);
  EXPECT_EQ(kinds, (std::vector<FindingKind>{FindingKind::kBug, FindingKind::kOops,
                                             FindingKind::kKernelPanic}));
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, QemuDyingBeforeDoneIsQemuFailedWithItsStderr) {
  VmOutcome out = supervise_vm(spec("die"));
  EXPECT_EQ(out.reason, VmExitReason::kQemuFailed) << out.detail;
  EXPECT_NE(out.detail.find("exit 1"), std::string::npos) << out.detail;
  EXPECT_NE(out.stderr_tail.find("fake failure"), std::string::npos) << out.stderr_tail;
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, InvalidUtf8FromTheGuestBecomesReplacementCharacters) {
  // issue 14: one 0xFF byte on the console made to_json(outcome).dump() throw.
  VmOutcome out = supervise_vm(spec("bad_bytes"));
  EXPECT_EQ(out.reason, VmExitReason::kDone) << out.detail;
  EXPECT_TRUE(is_valid_utf8(out.console_tail)) << out.console_tail;
  EXPECT_NE(out.console_tail.find("process\n\xEF\xBF\xBD\n[    1.0] BUG: \xEF\xBF\xBD half"),
            std::string::npos)
      << out.console_tail;
  EXPECT_TRUE(is_valid_utf8(out.stderr_tail)) << out.stderr_tail;
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_TRUE(is_valid_utf8(out.findings[0].line));
  EXPECT_TRUE(is_valid_utf8(out.findings[0].detail));
  std::string text;
  EXPECT_NO_THROW(text = to_json(out).dump(2));
  EXPECT_NE(text.find(kReplacementChar), std::string::npos) << text;
  expect_no_survivor();
}

// A kernel QEMU cannot load: the verdict's detail must carry QEMU's own
// words, not only "QEMU ended (exit 1)" (issue 14). The text is what QEMU 7.2
// prints for an empty bzImage, without a final newline.
TEST_F(VmSupervisorTest, QemusOwnErrorReachesTheDetail) {
  VmRunSpec s = spec("ok");
  s.argv = {"/bin/sh", "-c",
            "printf \"qemu: could not load kernel '/c/bzImage': No such file or directory\" >&2; "
            "exit 1"};
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kQemuFailed);
  EXPECT_NE(out.detail.find("QEMU ended (exit 1)"), std::string::npos) << out.detail;
  EXPECT_NE(out.detail.find("QEMU said: qemu: could not load kernel '/c/bzImage': No such file "
                            "or directory"),
            std::string::npos)
      << out.detail;
  EXPECT_NE(out.detail.find("the console is empty"), std::string::npos) << out.detail;
}

TEST_F(VmSupervisorTest, QemusOutputIsEscapedInTheDetail) {
  VmRunSpec s = spec("ok");
  s.argv = {"/bin/sh", "-c", "printf 'one\\ntwo\\nthree \\033[31mred\\n\\n' >&2; exit 0"};
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kQemuFailed);
  EXPECT_NE(out.detail.find("QEMU said: one | two | three \\x1b[31mred"), std::string::npos)
      << out.detail;
  EXPECT_EQ(out.detail.find('\033'), std::string::npos);
}

TEST_F(VmSupervisorTest, MissingBinaryIsQemuFailed) {
  VmRunSpec s = spec("ok");
  s.argv = {"/nonexistent/qemu-system-x86_64"};
  VmOutcome out = supervise_vm(s);
  EXPECT_EQ(out.reason, VmExitReason::kQemuFailed);
  EXPECT_NE(out.detail.find("No such file"), std::string::npos) << out.detail;
  EXPECT_FALSE(fs::exists(dir_ / "console.sock"));
}

TEST_F(VmSupervisorTest, ChannelFloodIsCappedAndReadingStops) {
  VmRunSpec s = spec("flood");
  s.limits.max_channel_bytes = 1 << 20;
  s.limits.max_kept_frames = 5;
  s.timeouts.scenario = milliseconds(1500);
  VmOutcome out = supervise_vm(s);
  EXPECT_TRUE(out.channel.capped);
  EXPECT_EQ(out.channel.bytes, 1u << 20);
  EXPECT_EQ(out.frames.size(), 5u);
  EXPECT_GT(out.channel.frames_not_kept, 5u);
  EXPECT_EQ(out.booted.value("type", ""), "booted");
  EXPECT_FALSE(out.done);
  EXPECT_EQ(out.reason, VmExitReason::kScenarioTimeout) << out.detail;
  EXPECT_NE(out.detail.find("exceeded 1048576 bytes"), std::string::npos) << out.detail;
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, InterruptKillsTheVmAndSaysSo) {
  VmRunSpec s = spec("no_boot");
  std::thread interrupter([this] {
    std::this_thread::sleep_for(milliseconds(700));
    registry_.interrupt();
  });
  VmOutcome out = supervise_vm(s);
  interrupter.join();
  EXPECT_EQ(out.reason, VmExitReason::kInterrupted) << out.detail;
  EXPECT_EQ(out.qemu_signal, SIGKILL);
  expect_no_survivor();
}

TEST_F(VmSupervisorTest, SigtermToTheRunnerKillsItsVmsAndExits130) {
  // A child "runner" with the real signal handlers supervises a VM that never
  // boots; SIGTERM must leave no VM and an exit code of 130.
  pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    VmRegistry& registry = VmRegistry::instance();
    registry.install_signal_handlers();
    VmRunSpec s = spec("no_boot");
    s.registry = &registry;
    VmOutcome out = supervise_vm(s);
    _exit(out.reason == VmExitReason::kInterrupted && registry.interrupted() ? 130 : 1);
  }
  fs::path pidfile = dir_ / "fake.pid";
  for (int i = 0; i < 500 && !fs::exists(pidfile); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(fs::exists(pidfile));
  std::this_thread::sleep_for(milliseconds(200));
  kill(runner, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(runner, &status, 0), runner);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  expect_no_survivor();
}

TEST(VmTimeouts, ForTestAddsMarginsAndHonoursTimeoutS) {
  VmTimeouts t = VmTimeouts::for_test(10, 0);
  EXPECT_EQ(t.scenario, milliseconds(41'000));
  EXPECT_EQ(t.hard, t.boot + t.scenario + milliseconds(30'000));
  EXPECT_EQ(VmTimeouts::for_test(10, 90).hard, milliseconds(90'000));
}

}  // namespace
}  // namespace ktstr
