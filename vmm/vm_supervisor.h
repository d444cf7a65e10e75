// One event loop per VM: spawns QEMU, reads the console and the agent channel,
// talks QMP, enforces the boot/scenario/hard timeouts, follows the child's exit
// and the runner's interrupt, then tears the VM down (wait for poweroff → QMP
// quit → SIGTERM → SIGKILL to the group) and returns a VmOutcome. Success is
// the agent's "done" frame, never QEMU's exit code. docs/vm.md describes it.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "vmm/qemu_cmdline.h"
#include "vmm/qemu_process.h"
#include "vmm/vm_outcome.h"

namespace ktstr {

/// Time limits of one VM. Each expiry is recorded as the exit reason.
struct VmTimeouts {
  using ms = std::chrono::milliseconds;
  ms boot{60'000};           ///< launch → "booted" frame
  ms scenario{60'000};       ///< "booted" → "done" frame (duration + margin)
  ms hard{300'000};          ///< launch → end, whatever happens
  ms poweroff_grace{5'000};  ///< after "done": time for the guest to power off by itself
  ms panic_grace{1'000};     ///< after a panic line: time to collect the rest of the console
  ms quit_grace{3'000};      ///< after QMP "quit": time for QEMU to exit
  ms term_grace{2'000};      ///< after SIGTERM: time before SIGKILL

  /// Defaults for a test of `duration_s`: scenario = duration + 10% + 30 s;
  /// hard = `timeout_s` when > 0, else boot + scenario + 30 s.
  static VmTimeouts for_test(double duration_s, double timeout_s);
};

/// Caps on what the host accepts from the guest.
struct SupervisorLimits {
  size_t max_channel_bytes = 64u << 20;  ///< then the channel is closed and `capped` set
  size_t max_console_bytes = 64u << 20;  ///< then the console is no longer read
  size_t max_frame_payload = 8u << 20;   ///< largest frame payload accepted (telemetry)
  size_t max_kept_frames = 100'000;      ///< frames kept in VmOutcome::frames
  size_t console_tail_bytes = 16u << 10;
  size_t stderr_tail_bytes = 4u << 10;
};

/// Everything the supervisor needs to run one VM.
struct VmRunSpec {
  std::vector<std::string> argv;  ///< QEMU command (build_qemu_command().argv)
  /// Sockets: the supervisor listens on console_socket and channel_socket
  /// before spawning (QEMU connects to them); QEMU listens on qmp_socket.
  /// console_log is written by QEMU itself (chardev logfile=).
  QemuEndpoints endpoints;
  std::filesystem::path run_dir;  ///< frames.jsonl and qemu.log go here
  VmTimeouts timeouts;
  SupervisorLimits limits;
  VmRegistry* registry = &VmRegistry::instance();  ///< interrupt source and group table
};

/// Runs one VM to its end and returns what happened. Blocks the calling
/// thread (which must live as long as the VM: PR_SET_PDEATHSIG). Never throws
/// for guest or QEMU misbehaviour; on return QEMU is reaped and its process
/// group is empty, and the socket files are removed.
VmOutcome supervise_vm(const VmRunSpec& spec);

}  // namespace ktstr
