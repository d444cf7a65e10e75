// Everything needed to start one VM: plain data, built by the runner from a
// resolved test, turned into a QEMU argv by qemu_cmdline, run by the supervisor.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"

namespace ktstr {

/// Which accelerator QEMU uses.
enum class Accel { kAuto, kKvm, kTcg };

/// How the agent's channel reaches the host.
enum class ChannelKind { kVirtioSerial, kSerial };

/// One VM's configuration. Paths are host paths.
struct VmConfig {
  TopologySpec topology;
  int memory_mib = 2048;           ///< already max(cpus*64, 256, memory_mib)
  Accel accel = Accel::kTcg;       ///< resolved (never kAuto here)
  std::filesystem::path kernel;    ///< bzImage
  std::filesystem::path initrd;    ///< concatenated base + overlay
  std::vector<std::string> kargs;  ///< extra kernel command-line words (validated)
  ChannelKind channel = ChannelKind::kVirtioSerial;
  std::filesystem::path run_dir;  ///< per-test directory: sockets, console log
  /// QEMU's working directory (absolute). Socket paths are given relative to it
  /// when that is shorter (sun_path holds 107 bytes); empty: always as run_dir.
  std::filesystem::path working_dir;
  bool kaslr = true;
  /// TCG only: all vCPUs on one host thread (thread=single) instead of one
  /// thread each. For kernels that patch code at run time (KernelInfo::jump_label).
  bool tcg_single_thread = false;
  int console_loglevel = 4;  ///< printk level on ttyS0: 4 = errors and worse (fast); 7 to debug
  std::string qemu_binary = "qemu-system-x86_64";
};

}  // namespace ktstr
