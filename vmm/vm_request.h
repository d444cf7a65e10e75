// The backend-neutral launcher seam. The runner says what it wants (kernel,
// topology, memory, the guest's files, timeouts) in a VmRequest; a VmLauncher
// backend turns that into a VM: QemuVmLauncher (vmm/qemu_vm_launcher.h)
// builds the initrd overlay, the QEMU argv and supervises QEMU; a warm-start
// pool later restores a booted VM instead. Unit tests use a fake that returns
// canned results in microseconds.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "vmm/initramfs.h"
#include "vmm/vm_config.h"
#include "vmm/vm_outcome.h"
#include "vmm/vm_supervisor.h"

namespace ktstr {

/// What one test asks of a VM. Paths are host paths.
struct VmRequest {
  std::filesystem::path kernel;  ///< bzImage
  TopologySpec topology;
  int memory_mib = 2048;      ///< requested; the backend applies memory_mib_for()
  Accel accel = Accel::kTcg;  ///< resolved (never kAuto)
  /// Files the guest needs besides the agent: /ktstr/test.json, the plugin,
  /// the scheduler binary, include files (with their library closures).
  std::vector<InitramfsEntry> guest_files;
  std::vector<std::string> kargs;  ///< extra kernel command-line words (validated)
  bool kaslr = true;
  /// The kernel patches its code at run time (KernelInfo::jump_label): under
  /// TCG all vCPUs share one host thread.
  bool tcg_single_thread = false;
  ChannelKind channel = ChannelKind::kVirtioSerial;
  std::filesystem::path run_dir;  ///< the test's directory: logs, sockets, frames
  VmTimeouts timeouts;
};

/// What the backend did, besides the outcome: for the sidecar.
struct VmLaunchInfo {
  InitrdStats initrd;       ///< sizes and times of the initrd it built
  int memory_mib = 0;       ///< the memory the guest got
  std::string tcg_threads;  ///< "single" | "multi" under TCG, else ""
  /// A TCG boot crash before the agent ran was booted once more: the note
  /// (boot_retry_note), and the first attempt's logs are *.attempt-1.*.
  std::string boot_retry;
};

/// The outcome of one request.
struct VmResult {
  VmOutcome outcome;
  VmLaunchInfo info;
};

/// Runs one VM to its end. Implementations must be callable from several
/// executor threads at once (one call per VM), must not throw for VM failures
/// (they are outcomes: kQemuFailed with the error), and must leave no process
/// and no initrd behind when they return.
class VmLauncher {
 public:
  virtual ~VmLauncher() = default;
  /// Boots `request`, enforces its timeouts, returns what happened.
  virtual VmResult launch(const VmRequest& request) = 0;
};

}  // namespace ktstr
