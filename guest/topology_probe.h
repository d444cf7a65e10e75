// Reads the CPU topology the guest kernel shows in sysfs, for the "booted"
// frame. The sysfs root is a parameter so unit tests can use fake trees.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "guest/protocol/observed_topology.h"

namespace ktstr {

/// What probe_topology found.
struct TopologyProbe {
  ObservedTopology topology;
  std::vector<std::string> warnings;  ///< missing data that was defaulted
  std::string error;                  ///< "" on success; else topology is incomplete
};

/// Probes `sysfs` (normally "/sys"): online CPUs, LLC groups from
/// cache/index3/shared_cpu_list (else the highest cache index present), SMT
/// groups from topology/thread_siblings_list, NUMA node cpulists, and sched_ext
/// presence (`sysfs`/kernel/sched_ext exists). kernel_release comes from uname().
TopologyProbe probe_topology(const std::filesystem::path& sysfs);

/// The running kernel's release (uname -r), or "" when uname fails.
std::string kernel_release();

}  // namespace ktstr
