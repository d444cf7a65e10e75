// Builds the QEMU argv and kernel command line for one VM.
//
// Topology recipe (measured with QEMU 7.2 under TCG, verified in guest sysfs;
// see notes/vm-measurements.md): N NUMA nodes become N sockets, each socket
// holds L/N dies, each die is one LLC (QEMU gives every die its own L3 when the
// CPU vendor is Intel), with C cores of T threads. NUMA nodes map to sockets with
// one RAM backend per node. Every argument and command-line word carries a
// one-line reason next to it.
#include "vmm/qemu_cmdline.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string_view>

namespace ktstr {
namespace {

// QEMU 7.2's q35 machine: "The max CPUs supported by machine 'pc-q35-7.2' is 288".
constexpr int kQ35MaxCpus = 288;
// QEMU refuses APIC IDs >= 255 unless KVM provides an in-kernel irqchip with the
// x2APIC API ("current -smp configuration requires kernel irqchip and X2APIC API
// support"); measured: -smp 255 starts under TCG, -smp 256 does not.
constexpr int kMaxApicIdWithoutX2apic = 254;
// QEMU's MAX_NODES.
constexpr int kQemuMaxNumaNodes = 128;
// A node smaller than this is dropped by the x86 NUMA code or leaves the guest
// starved; keep every node comfortably above it.
constexpr int kMinNodeMib = 64;
// COMMAND_LINE_SIZE on x86 is 2048 including the NUL: a longer line kills the
// guest silently (measured).
constexpr size_t kMaxCmdlineBytes = 2047;
// Unknown key=value words become /init's environment (MAX_INIT_ENVS = 32 with
// HOME and TERM preset) and bare words its argv (MAX_INIT_ARGS = 32): past that
// the kernel panics and QEMU still exits 0. Keep a margin below both.
constexpr int kMaxKeyValueWords = 25;
constexpr int kMaxBareWords = 25;
// sun_path is 108 bytes including the NUL.
constexpr size_t kMaxSocketPath = 107;
// Name of the virtio-serial port; the agent finds it in /sys/class/virtio-ports.
constexpr std::string_view kAgentPortName = "ktstr.0";

// Bits QEMU reserves for `count` IDs at one topology level (apicid.h).
int id_bits(int count) { return count > 1 ? std::bit_width(static_cast<unsigned>(count - 1)) : 0; }

// QEMU option values split on ',' unless doubled.
std::string escape_commas(std::string_view value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

bool is_key_value(std::string_view word) { return word.find('=') != std::string_view::npos; }

std::string_view key_of(std::string_view word) { return word.substr(0, word.find('=')); }

}  // namespace

int memory_mib_for(const TopologySpec& topology, int requested_mib) {
  return std::max({topology.total_cpus() * 64, 256, requested_mib});
}

int max_apic_id(const TopologySpec& t) {
  const int dies = t.llcs / std::max(t.numa_nodes, 1);
  const int smt_bits = id_bits(t.threads);
  const int core_bits = id_bits(t.cores);
  const int die_bits = id_bits(dies);
  return ((t.numa_nodes - 1) << (smt_bits + core_bits + die_bits)) |
         ((dies - 1) << (smt_bits + core_bits)) | ((t.cores - 1) << smt_bits) | (t.threads - 1);
}

std::string check_topology(const TopologySpec& t, Accel accel) {
  if (t.numa_nodes < 1 || t.llcs < 1 || t.cores < 1 || t.threads < 1) {
    return fmt::format(
        "numa_nodes ({}), llcs ({}), cores ({}) and threads ({}) must all be at least 1",
        t.numa_nodes, t.llcs, t.cores, t.threads);
  }
  if (t.llcs % t.numa_nodes != 0) {
    return fmt::format("llcs ({}) must be divisible by numa_nodes ({})", t.llcs, t.numa_nodes);
  }
  if (t.numa_nodes > kQemuMaxNumaNodes) {
    return fmt::format("numa_nodes ({}) must be at most {} (QEMU's limit)", t.numa_nodes,
                       kQemuMaxNumaNodes);
  }
  // Checked in 64 bits first so absurd inputs cannot overflow total_cpus().
  const int64_t cpus = int64_t{t.llcs} * t.cores * t.threads;
  if (cpus > kQ35MaxCpus) {
    return fmt::format(
        "{} CPUs ({} llcs x {} cores x {} threads) exceed the q35 machine's limit of {}", cpus,
        t.llcs, t.cores, t.threads, kQ35MaxCpus);
  }
  const int apic = max_apic_id(t);
  if (apic > kMaxApicIdWithoutX2apic) {
    // Under KVM QEMU could go further with an in-kernel irqchip and interrupt
    // remapping; that setup is untested here (no usable KVM), so it is refused too.
    return fmt::format(
        "topology {} needs APIC IDs up to {}, but QEMU ({}) supports at most {} without "
        "x2APIC interrupt remapping (each level's ID is rounded up to a power of two: use "
        "powers of two for cores, or fewer llcs)",
        t.str(), apic, accel == Accel::kKvm ? "kvm" : "tcg", kMaxApicIdWithoutX2apic);
  }
  return "";
}

std::string check_kargs(const std::vector<std::string>& kargs) {
  // Words the runner relies on: overriding them would hide the console, start
  // something other than the agent, or make a panic hang instead of exit.
  static constexpr std::string_view kReserved[] = {"console", "rdinit", "init", "panic"};
  for (const std::string& word : kargs) {
    if (word.empty()) return "kernel argument is empty";
    if (word == "--") return "kernel argument '--' is not allowed (it passes the rest to init)";
    if (word.front() == '-') {
      return fmt::format("kernel argument '{}' starts with '-' (kernel arguments never do)", word);
    }
    for (unsigned char c : word) {
      if (c < 0x21 || c > 0x7e) {
        return fmt::format(
            "kernel argument '{}' contains a space, control or non-ASCII character (byte "
            "0x{:02x}); "
            "pass one word per argument",
            word, c);
      }
      if (c == '"' || c == '\'' || c == '\\') {
        return fmt::format("kernel argument '{}' contains a quote or backslash", word);
      }
    }
    const std::string_view key = key_of(word);
    for (std::string_view reserved : kReserved) {
      if (key == reserved) {
        return fmt::format("kernel argument '{}' is set by ktstr-run and cannot be overridden",
                           word);
      }
    }
    if (key.starts_with("ktstr.")) {
      return fmt::format("kernel argument '{}': the 'ktstr.' namespace is reserved", word);
    }
  }
  return "";
}

std::string build_kernel_cmdline(const VmConfig& config, std::string* error) {
  std::vector<std::string> words = {
      // Kernel log and panics on the first UART, which the supervisor reads.
      "console=ttyS0",
      // Page-table isolation etc. make syscalls ~15x slower under TCG.
      "mitigations=off",
      // Reboot at once on panic; with -no-reboot that ends QEMU instead of hanging.
      "panic=-1",
      // Run the agent from the initramfs (no root filesystem exists).
      "rdinit=/init",
      // Only errors and worse reach the 8250 console (each byte traps under TCG);
      // panics, oopses, RCU stalls, OOM and initramfs errors all still show.
      fmt::format("loglevel={}", config.console_loglevel),
      // Tells the agent which channel the host attached (a dotted key stays out
      // of init's environment; the agent reads /proc/cmdline).
      config.channel == ChannelKind::kSerial ? "ktstr.channel=serial" : "ktstr.channel=virtio",
  };
  if (!config.kaslr) {
    // Fixed kernel addresses, so host-side tools can map symbols without the offset.
    words.push_back("nokaslr");
  }
  if (std::string e = check_kargs(config.kargs); !e.empty()) {
    *error = e;
    return "";
  }
  words.insert(words.end(), config.kargs.begin(), config.kargs.end());

  int key_values = 0;
  int bare = 0;
  std::string line;
  for (const std::string& w : words) {
    (is_key_value(w) ? key_values : bare)++;
    if (!line.empty()) line += ' ';
    line += w;
  }
  if (key_values > kMaxKeyValueWords) {
    *error = fmt::format(
        "kernel command line has {} key=value words, at most {} are allowed (the kernel passes "
        "them to init's environment and panics past 31): put test parameters in the spec",
        key_values, kMaxKeyValueWords);
    return "";
  }
  if (bare > kMaxBareWords) {
    *error = fmt::format("kernel command line has {} bare words, at most {} are allowed", bare,
                         kMaxBareWords);
    return "";
  }
  if (line.size() > kMaxCmdlineBytes) {
    *error = fmt::format("kernel command line is {} bytes, the kernel accepts at most {}",
                         line.size(), kMaxCmdlineBytes);
    return "";
  }
  return line;
}

QemuEndpoints qemu_endpoints(const std::filesystem::path& run_dir,
                             const std::filesystem::path& working_dir) {
  // Unix socket paths are limited to 107 bytes; a deep run directory can pass
  // that. QEMU inherits the runner's working directory, so a path relative to
  // it works for both sides and is usually much shorter. The directory is a
  // parameter (not read here) so the argv depends only on VmConfig.
  std::filesystem::path sock_dir = run_dir;
  if (!working_dir.empty() && working_dir.is_absolute() && run_dir.is_absolute()) {
    // Only below the working directory: a "../" path would depend on how the
    // two directories relate through symlinks, and reads worse in messages.
    const auto rel = run_dir.lexically_normal().lexically_relative(working_dir.lexically_normal());
    const bool below = !rel.empty() && *rel.begin() != "..";
    if (below && rel.native().size() < run_dir.native().size()) sock_dir = rel;
  }
  return QemuEndpoints{
      .console_socket = sock_dir / "console.sock",
      .console_log = run_dir / "console.log",
      .channel_socket = sock_dir / "agent.sock",
      .qmp_socket = sock_dir / "qmp.sock",
  };
}

QemuCommand build_qemu_command(const VmConfig& config) {
  QemuCommand cmd;
  const TopologySpec& t = config.topology;
  if (config.accel == Accel::kAuto) {
    cmd.error = "accelerator not resolved (kAuto): call resolve_accel() first";
    return cmd;
  }
  if (std::string e = check_topology(t, config.accel); !e.empty()) {
    cmd.error = e;
    return cmd;
  }
  if (const int floor = memory_mib_for(t, 0); config.memory_mib < floor) {
    cmd.error = fmt::format("memory_mib ({}) is below the floor for {} CPUs ({} MiB)",
                            config.memory_mib, t.total_cpus(), floor);
    return cmd;
  }
  if (t.numa_nodes > 1 && config.memory_mib / t.numa_nodes < kMinNodeMib) {
    cmd.error = fmt::format("{} MiB over {} NUMA nodes leaves less than {} MiB per node",
                            config.memory_mib, t.numa_nodes, kMinNodeMib);
    return cmd;
  }
  if (config.kernel.empty() || config.initrd.empty() || config.run_dir.empty()) {
    cmd.error = "kernel, initrd and run_dir must all be set";
    return cmd;
  }
  cmd.endpoints = qemu_endpoints(config.run_dir, config.working_dir);
  for (const auto* p :
       {&cmd.endpoints.console_socket, &cmd.endpoints.channel_socket, &cmd.endpoints.qmp_socket}) {
    if (p->native().size() > kMaxSocketPath) {
      cmd.error = fmt::format(
          "socket path '{}' is {} bytes, unix sockets allow at most {}: use a shorter run "
          "directory",
          p->native(), p->native().size(), kMaxSocketPath);
      return cmd;
    }
  }
  std::string error;
  cmd.kernel_cmdline = build_kernel_cmdline(config, &error);
  if (!error.empty()) {
    cmd.error = error;
    return cmd;
  }

  std::vector<std::string>& a = cmd.argv;
  auto add = [&a](std::initializer_list<std::string> args) { a.insert(a.end(), args); };
  const bool kvm = config.accel == Accel::kKvm;
  const QemuEndpoints& ep = cmd.endpoints;

  add({config.qemu_binary});
  // q35: PCIe, ACPI SRAT/SLIT for NUMA and a real PIT/HPET; microvm measured no
  // faster and has neither NUMA nor a precise clocksource.
  add({"-machine", "q35"});
  if (kvm) {
    // Hardware virtualization when the host has it (resolve_accel decided).
    add({"-accel", "kvm"});
    // Real CPU features and cache model under KVM (untested here: no usable KVM;
    // the agent's topology report catches any mismatch).
    add({"-cpu", "host"});
  } else {
    // One host thread per vCPU instead of one for all, unless the kernel
    // patches its code at run time (VmConfig::tcg_single_thread).
    add({"-accel", config.tcg_single_thread ? "tcg,thread=single" : "tcg,thread=multi"});
    // Intel vendor: with TCG's default AMD model SMT siblings are hidden and
    // dies do not split the L3, so the declared topology would not appear.
    add({"-cpu", "max,vendor=GenuineIntel"});
  }
  // The topology: sockets = NUMA nodes, one die per LLC (each die has its own L3).
  add({"-smp", fmt::format("cpus={},sockets={},dies={},cores={},threads={}", t.total_cpus(),
                           t.numa_nodes, t.llcs / t.numa_nodes, t.cores, t.threads)});
  // Guest RAM in MiB: max(cpus*64, 256, requested), computed by the runner.
  add({"-m", fmt::format("{}M", config.memory_mib)});
  if (t.numa_nodes > 1) {
    // Node sizes must add up to -m exactly; node 0 takes the remainder.
    const int per_node = config.memory_mib / t.numa_nodes;
    const int remainder = config.memory_mib - per_node * t.numa_nodes;
    for (int k = 0; k < t.numa_nodes; ++k) {
      // One RAM backend per node, so each node's memory is its own range in SRAT.
      add({"-object", fmt::format("memory-backend-ram,id=m{},size={}M", k,
                                  per_node + (k == 0 ? remainder : 0))});
      // Declares node k with that memory.
      add({"-numa", fmt::format("node,nodeid={},memdev=m{}", k, k)});
    }
    for (int k = 0; k < t.numa_nodes; ++k) {
      // All CPUs of socket k belong to node k.
      add({"-numa", fmt::format("cpu,node-id={},socket-id={}", k, k)});
    }
  }
  // Direct kernel boot: no firmware disk, no bootloader.
  add({"-kernel", config.kernel.string()});
  // Cached base + per-test overlay, concatenated (initramfs.h).
  add({"-initrd", config.initrd.string()});
  // The kernel command line built above.
  add({"-append", cmd.kernel_cmdline});
  // No default NIC, VGA, floppy, CD-ROM, serial or monitor: only what is listed here.
  add({"-nodefaults"});
  // No window; with -nodefaults nothing is attached to stdio either.
  add({"-display", "none"});
  // A guest reboot (panic=-1, or the agent's reboot) ends QEMU.
  add({"-no-reboot"});
  // ttyS0 streams to the supervisor's socket (QEMU connects; the supervisor
  // listens first) and QEMU itself logs it, so a crashed runner still leaves a log.
  add({"-chardev", fmt::format("socket,id=console,path={},logfile={}",
                               escape_commas(ep.console_socket.native()),
                               escape_commas(ep.console_log.native()))});
  // First UART = ttyS0 = console=ttyS0.
  add({"-serial", "chardev:console"});
  // The agent channel's host end: QEMU connects to the supervisor's socket.
  add({"-chardev",
       fmt::format("socket,id=agent,path={}", escape_commas(ep.channel_socket.native()))});
  if (config.channel == ChannelKind::kSerial) {
    // Fallback channel on the second UART (ttyS1, ~0.22 MB/s) for kernels whose
    // virtio console is not built in.
    add({"-serial", "chardev:agent"});
  } else {
    // virtio-serial controller: 90-180 MB/s under TCG versus 0.22 MB/s for a UART.
    add({"-device", "virtio-serial-pci,id=vser0"});
    // The agent's port, found by name in /sys/class/virtio-ports/*/name.
    add({"-device",
         fmt::format("virtserialport,bus=vser0.0,chardev=agent,name={}", kAgentPortName)});
  }
  // QMP server for a clean quit and status queries; QEMU listens, never waits.
  add({"-qmp", fmt::format("unix:{},server=on,wait=off", escape_commas(ep.qmp_socket.native()))});
  return cmd;
}

}  // namespace ktstr
