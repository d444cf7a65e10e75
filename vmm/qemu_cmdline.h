// VmConfig -> the exact QEMU argv and kernel command line. Pure: no I/O, no
// environment, so every shape and flag is unit-tested without QEMU.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "vmm/vm_config.h"

namespace ktstr {

/// Guest memory for a topology: max(cpus * 64, 256, requested_mib) MiB.
int memory_mib_for(const TopologySpec& topology, int requested_mib);

/// Why QEMU cannot run `topology` under `accel`, or "" if it can. States the
/// rule that is broken, e.g. "llcs (3) must be divisible by numa_nodes (2)".
std::string check_topology(const TopologySpec& topology, Accel accel);

/// The highest x86 APIC ID QEMU assigns for `topology` (IDs are bit fields:
/// thread, core, die, socket, each rounded up to a power of two).
int max_apic_id(const TopologySpec& topology);

/// Why `kargs` cannot be added to the kernel command line, or "" if they can.
std::string check_kargs(const std::vector<std::string>& kargs);

/// Host-side endpoints of one VM, all under VmConfig::run_dir. The supervisor
/// must LISTEN on console_socket and channel_socket before starting QEMU: QEMU
/// connects to them as a client, so no guest byte is lost before the host
/// attaches. QMP is the other way round: QEMU listens on qmp_socket.
struct QemuEndpoints {
  std::filesystem::path console_socket;  ///< ttyS0 stream (kernel + agent stderr)
  std::filesystem::path console_log;     ///< QEMU also appends ttyS0 here itself
  std::filesystem::path channel_socket;  ///< agent frames (virtio port or ttyS1)
  std::filesystem::path qmp_socket;      ///< QMP server (quit, query-status)
};

/// Endpoint paths for a run directory. Kept short: unix socket paths are
/// limited to 107 bytes, which build_qemu_command() checks. Sockets of a run
/// directory below `working_dir` (QEMU's and the supervisor's cwd) are named
/// relative to it; an empty `working_dir` keeps them as given.
QemuEndpoints qemu_endpoints(const std::filesystem::path& run_dir,
                             const std::filesystem::path& working_dir = {});

/// The result of build_qemu_command().
struct QemuCommand {
  std::vector<std::string> argv;  ///< argv[0] is VmConfig::qemu_binary
  std::string kernel_cmdline;     ///< also inside argv, after -append
  QemuEndpoints endpoints;
  std::string error;  ///< empty on success; argv is empty then
  bool ok() const { return error.empty(); }
};

/// The kernel command line for `config` (our flags + validated kargs), or an
/// error in *error.
std::string build_kernel_cmdline(const VmConfig& config, std::string* error);

/// The full QEMU command for `config`. Refuses shapes QEMU cannot express,
/// bad kargs, kAuto accel (resolve it first: accel.h), memory below
/// memory_mib_for(topology, 0) and socket paths that are too long.
QemuCommand build_qemu_command(const VmConfig& config);

}  // namespace ktstr
