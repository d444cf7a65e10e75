// The real VmLauncher: one supervised QEMU process per call.
#pragma once

#include "runner/vm_launcher.h"
#include "vmm/qemu_process.h"

namespace ktstr {

/// Launches real QEMU processes through supervise_vm().
class QemuVmLauncher : public VmLauncher {
 public:
  /// `registry` receives every VM's process group (for the runner's SIGINT
  /// handling); `limits` caps what is accepted from each guest.
  explicit QemuVmLauncher(VmRegistry& registry = VmRegistry::instance(),
                          SupervisorLimits limits = {})
      : registry_(registry), limits_(limits) {}

  /// Refuses a command that failed to build (kQemuFailed with its error),
  /// else supervises the VM in the calling thread.
  VmOutcome launch(const VmConfig& config, const QemuCommand& command,
                   const VmTimeouts& timeouts) override;

 private:
  VmRegistry& registry_;
  SupervisorLimits limits_;
};

}  // namespace ktstr
