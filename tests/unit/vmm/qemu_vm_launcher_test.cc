// QemuVmLauncher: request -> initrd + QEMU argv -> supervised fake QEMU
// (tests/data/fake_qemu/fake_qemu_cli.py, which takes QEMU's own command
// line, records it and plays a fake_qemu.py scenario per boot).
#include "vmm/qemu_vm_launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kFakeCli = std::string(KTSTR_TEST_DATA) + "/fake_qemu/fake_qemu_cli.py";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class QemuVmLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ktstr-launch-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ / "run");
    // A stand-in base archive: the fake QEMU never unpacks it.
    std::ofstream(dir_ / "base.cpio") << std::string(512, 'b');
    base_.path = dir_ / "base.cpio";
    base_.bytes = 512;
  }
  void TearDown() override {
    unsetenv("KTSTR_FAKE_QEMU_SCENARIOS");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// A 4-CPU request whose boots play `scenarios` (comma-separated, by boot).
  VmRequest request(const std::string& scenarios) {
    setenv("KTSTR_FAKE_QEMU_SCENARIOS", scenarios.c_str(), 1);
    VmRequest r;
    r.kernel = "/fake/bzImage";
    r.topology = TopologySpec{1, 2, 2, 1};
    r.accel = Accel::kTcg;
    r.guest_files = {{.guest_path = "/ktstr/test.json", .bytes = "{}", .mode = 0644}};
    r.run_dir = dir_ / "run";
    r.timeouts.boot = milliseconds(10'000);
    r.timeouts.scenario = milliseconds(10'000);
    r.timeouts.hard = milliseconds(30'000);
    r.timeouts.poweroff_grace = milliseconds(2'000);
    r.timeouts.panic_grace = milliseconds(200);
    r.timeouts.quit_grace = milliseconds(2'000);
    r.timeouts.term_grace = milliseconds(300);
    return r;
  }
  VmResult launch(const VmRequest& r) {
    QemuVmLauncher launcher(base_, registry_, {}, kFakeCli);
    return launcher.launch(r);
  }
  /// The argv of boot `n` (1-based), one argument a line; "" if it never booted.
  std::string argv_of(int n) {
    return slurp(dir_ / "run" / ("argv." + std::to_string(n) + ".txt"));
  }
  int boots() {
    int n = 0;
    while (fs::exists(dir_ / "run" / ("argv." + std::to_string(n + 1) + ".txt"))) ++n;
    return n;
  }

  fs::path dir_;
  BaseInitramfs base_;
  VmRegistry registry_;
};

TEST_F(QemuVmLauncherTest, TheRequestsTopologyAndMemoryReachQemusArgv) {
  VmRequest r = request("ok");
  r.memory_mib = 100;  // below the floor for 4 CPUs: raised to 256
  r.tcg_single_thread = true;
  const VmResult out = launch(r);
  EXPECT_EQ(out.outcome.reason, VmExitReason::kDone) << out.outcome.detail;
  EXPECT_EQ(boots(), 1);
  const std::string argv = argv_of(1);
  EXPECT_THAT(argv, HasSubstr("\n-smp\ncpus=4,sockets=1,dies=2,cores=2,threads=1\n"));
  EXPECT_THAT(argv, HasSubstr("\n-m\n256M\n"));
  EXPECT_THAT(argv, HasSubstr("\n-accel\ntcg,thread=single\n"));
  EXPECT_THAT(argv, HasSubstr("\n-kernel\n/fake/bzImage\n"));
  EXPECT_EQ(out.info.memory_mib, 256);
  EXPECT_EQ(out.info.tcg_threads, "single");
  EXPECT_TRUE(out.info.boot_retry.empty());
}

TEST_F(QemuVmLauncherTest, TheInitrdExistsWhileQemuRunsAndIsRemovedAfter) {
  const VmResult out = launch(request("ok"));
  ASSERT_EQ(out.outcome.reason, VmExitReason::kDone) << out.outcome.detail;
  EXPECT_THAT(argv_of(1), HasSubstr("\n-initrd\n" + (dir_ / "run" / "initrd.img").string() + "\n"));
  // Base + the overlay holding /ktstr/test.json, as QEMU saw it.
  EXPECT_EQ(slurp(dir_ / "run" / "initrd.1.txt"), std::to_string(out.info.initrd.total_bytes));
  EXPECT_EQ(out.info.initrd.base_bytes, 512u);
  EXPECT_GT(out.info.initrd.overlay_bytes, 0u);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "initrd.img"));
}

TEST_F(QemuVmLauncherTest, AnOverlayErrorIsQemuFailedWithTheMessageAndNoBoot) {
  VmRequest r = request("ok");
  r.guest_files.push_back({.guest_path = "/ktstr/sched/x", .host_path = dir_ / "missing"});
  const VmResult out = launch(r);
  EXPECT_EQ(out.outcome.reason, VmExitReason::kQemuFailed);
  EXPECT_EQ(out.outcome.detail,
            "initramfs overlay: " + (dir_ / "missing").string() + ": No such file or directory");
  EXPECT_EQ(boots(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "initrd.img"));
}

TEST_F(QemuVmLauncherTest, AnUnreadableBaseIsAnInitrdError) {
  base_.path = dir_ / "no-base.cpio";
  const VmResult out = launch(request("ok"));
  EXPECT_EQ(out.outcome.reason, VmExitReason::kQemuFailed);
  EXPECT_THAT(out.outcome.detail, StartsWith("initrd: " + (dir_ / "no-base.cpio").string()));
  EXPECT_EQ(boots(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "initrd.img"));
}

TEST_F(QemuVmLauncherTest, AShapeQemuCannotRunIsQemuFailedWithTheRule) {
  VmRequest r = request("ok");
  r.topology = TopologySpec{2, 3, 1, 1};
  const VmResult out = launch(r);
  EXPECT_EQ(out.outcome.reason, VmExitReason::kQemuFailed);
  EXPECT_EQ(out.outcome.detail, "qemu: llcs (3) must be divisible by numa_nodes (2)");
  EXPECT_EQ(boots(), 0);
}

TEST_F(QemuVmLauncherTest, NoVmStartsOnceTheRunIsInterrupted) {
  registry_.interrupt();
  const VmResult out = launch(request("ok"));
  EXPECT_EQ(out.outcome.reason, VmExitReason::kInterrupted);
  EXPECT_EQ(boots(), 0);
  EXPECT_EQ(registry_.live(), 0);
}

TEST_F(QemuVmLauncherTest, ATcgBootCrashBeforeTheAgentRanBootsOnceMoreAndKeepsTheFirstLogs) {
  const VmResult out = launch(request("boot_panic,ok"));
  EXPECT_EQ(out.outcome.reason, VmExitReason::kDone) << out.outcome.detail;
  EXPECT_EQ(boots(), 2);
  EXPECT_THAT(out.info.boot_retry,
              HasSubstr("the first boot crashed in the guest kernel before the agent ran (under "
                        "TCG; docs/vm.md): [    0.500000] Oops: general protection fault, probably "
                        "for non-canonical address; booted again (its logs: "
                        "console.attempt-1.log)"));
  EXPECT_THAT(slurp(dir_ / "run" / "console.attempt-1.log"), HasSubstr("Kernel panic"));
  EXPECT_THAT(slurp(dir_ / "run" / "console.log"), Not(HasSubstr("Kernel panic")));
  EXPECT_NE(slurp(dir_ / "run" / "initrd.2.txt"), "missing");  // the retry had its initrd
  EXPECT_FALSE(fs::exists(dir_ / "run" / "initrd.img"));
}

TEST_F(QemuVmLauncherTest, TwoBootCrashesEndWithTheSecondAndNoThirdBoot) {
  const VmResult out = launch(request("boot_panic,boot_panic,ok"));
  EXPECT_EQ(out.outcome.reason, VmExitReason::kPanic);
  EXPECT_EQ(boots(), 2);
  EXPECT_FALSE(out.info.boot_retry.empty());
}

TEST_F(QemuVmLauncherTest, ACrashAfterTheAgentBootedIsNeverRetried) {
  const VmResult out = launch(request("panic_exit,ok"));
  EXPECT_EQ(out.outcome.reason, VmExitReason::kPanic);
  EXPECT_EQ(boots(), 1);
  EXPECT_TRUE(out.info.boot_retry.empty());
}

TEST_F(QemuVmLauncherTest, UnderKvmABootCrashIsNeverRetried) {
  VmRequest r = request("boot_panic,ok");
  r.accel = Accel::kKvm;
  const VmResult out = launch(r);
  EXPECT_EQ(out.outcome.reason, VmExitReason::kPanic);
  EXPECT_EQ(boots(), 1);
  EXPECT_TRUE(out.info.boot_retry.empty());
  EXPECT_EQ(out.info.tcg_threads, "");
  EXPECT_THAT(argv_of(1), HasSubstr("\n-accel\nkvm\n"));
}

}  // namespace
}  // namespace ktstr
