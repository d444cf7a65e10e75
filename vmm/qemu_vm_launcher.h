// The QEMU backend of the launcher seam (vmm/vm_request.h): per request it
// builds the test's initrd overlay, writes base + overlay to
// run_dir/initrd.img, turns the request into a VmConfig and the QEMU argv,
// supervises QEMU in the calling thread and removes the initrd again. Under
// TCG a guest kernel that crashes before the agent ran is booted once more
// (vmm/boot_retry.h).
#pragma once

#include <string>

#include "vmm/initramfs.h"
#include "vmm/qemu_cmdline.h"
#include "vmm/qemu_process.h"
#include "vmm/vm_request.h"

namespace ktstr {

/// Launches real QEMU processes through supervise_vm().
class QemuVmLauncher : public VmLauncher {
 public:
  /// `base` is the run's base initramfs (prepare_base_initramfs); `registry`
  /// receives every VM's process group (for the runner's SIGINT handling);
  /// `limits` caps what is accepted from each guest; `qemu_binary` is argv[0]
  /// (a bare name is looked up on PATH; unit tests pass a fake).
  explicit QemuVmLauncher(BaseInitramfs base, VmRegistry& registry = VmRegistry::instance(),
                          SupervisorLimits limits = {},
                          std::string qemu_binary = "qemu-system-x86_64")
      : base_(std::move(base)),
        registry_(registry),
        limits_(limits),
        qemu_binary_(std::move(qemu_binary)) {}

  /// Boots `request` (twice at most: the TCG boot retry). Never throws: a
  /// failure to prepare the VM is kQemuFailed with "initramfs overlay: ...",
  /// "initrd: ..." or "qemu: ..."; once the run is interrupted no VM starts
  /// (kInterrupted). run_dir/initrd.img is gone when it returns.
  VmResult launch(const VmRequest& request) override;

 private:
  /// One supervised boot of `command` (none once the run is interrupted).
  VmOutcome boot(const VmRequest& request, const QemuCommand& command);

  BaseInitramfs base_;
  VmRegistry& registry_;
  SupervisorLimits limits_;
  std::string qemu_binary_;
};

}  // namespace ktstr
