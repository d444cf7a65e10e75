// The seam between the executor and real VMs: the executor asks a VmLauncher
// to run one VM and gets a VmOutcome back. QemuVmLauncher boots QEMU; unit
// tests use a fake that returns canned outcomes in microseconds.
#pragma once

#include "vmm/qemu_cmdline.h"
#include "vmm/vm_config.h"
#include "vmm/vm_outcome.h"
#include "vmm/vm_supervisor.h"

namespace ktstr {

/// Runs one VM to its end. Implementations must be callable from several
/// executor threads at once (one call per VM), must not throw for VM failures
/// (they are outcomes), and must leave no process behind when they return.
class VmLauncher {
 public:
  virtual ~VmLauncher() = default;

  /// Boots `config` with `command` (from build_qemu_command(config)), enforces
  /// `timeouts`, and returns what happened. Blocks until QEMU is reaped.
  virtual VmOutcome launch(const VmConfig& config, const QemuCommand& command,
                           const VmTimeouts& timeouts) = 0;
};

}  // namespace ktstr
