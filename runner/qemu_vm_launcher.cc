#include "runner/qemu_vm_launcher.h"

namespace ktstr {

VmOutcome QemuVmLauncher::launch(const VmConfig& config, const QemuCommand& command,
                                 const VmTimeouts& timeouts) {
  if (!command.ok()) {
    VmOutcome outcome;
    outcome.reason = VmExitReason::kQemuFailed;
    outcome.detail = "build QEMU command: " + command.error;
    return outcome;
  }
  if (registry_.interrupted()) {
    VmOutcome outcome;
    outcome.reason = VmExitReason::kInterrupted;
    outcome.detail = "interrupted before launch";
    return outcome;
  }
  VmRunSpec spec;
  spec.argv = command.argv;
  spec.endpoints = command.endpoints;
  spec.run_dir = config.run_dir;
  spec.timeouts = timeouts;
  spec.limits = limits_;
  spec.registry = &registry_;
  return supervise_vm(spec);
}

}  // namespace ktstr
