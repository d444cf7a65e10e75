// QemuVmLauncher's own decisions (the VM itself is covered by vm_supervisor_test).
#include "runner/qemu_vm_launcher.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

TEST(QemuVmLauncher, ABadCommandIsQemuFailedWithItsError) {
  VmRegistry registry;
  QemuVmLauncher launcher(registry);
  QemuCommand command;
  command.error = "llcs (3) must be divisible by numa_nodes (2)";
  VmOutcome out = launcher.launch(VmConfig{}, command, VmTimeouts{});
  EXPECT_EQ(out.reason, VmExitReason::kQemuFailed);
  EXPECT_EQ(out.detail, "build QEMU command: llcs (3) must be divisible by numa_nodes (2)");
}

TEST(QemuVmLauncher, NoVmStartsOnceTheRunIsInterrupted) {
  VmRegistry registry;
  registry.interrupt();
  QemuVmLauncher launcher(registry);
  QemuCommand command;
  command.argv = {"/bin/false"};
  VmOutcome out = launcher.launch(VmConfig{}, command, VmTimeouts{});
  EXPECT_EQ(out.reason, VmExitReason::kInterrupted);
  EXPECT_EQ(registry.live(), 0);
}

}  // namespace
}  // namespace ktstr
