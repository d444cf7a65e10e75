// The CPU topology a scenario sees: what the guest kernel shows in sysfs.
#pragma once

#include <cstddef>
#include <vector>

namespace ktstr {

/// CPU groups as observed in the guest. Every group is a sorted list of CPU
/// ids; groups are sorted by their first CPU.
struct Topology {
  std::vector<int> cpus{};                       ///< online CPUs
  std::vector<std::vector<int>> llcs{};          ///< CPUs sharing a last-level cache
  std::vector<std::vector<int>> numa_nodes{};    ///< CPUs of each NUMA node (empty nodes skipped)
  std::vector<std::vector<int>> smt_siblings{};  ///< hardware threads of each core
  std::vector<int> usable_cpus{};                ///< CPUs the scenario may run workers on

  std::size_t num_cpus() const { return cpus.size(); }
  std::size_t num_llcs() const { return llcs.size(); }
  std::size_t num_numa_nodes() const { return numa_nodes.size(); }
  /// True when some core has more than one hardware thread.
  bool has_smt() const {
    for (const auto& g : smt_siblings)
      if (g.size() > 1) return true;
    return false;
  }
  /// Index of the LLC that holds `cpu`, or -1.
  int llc_of(int cpu) const {
    for (std::size_t i = 0; i < llcs.size(); ++i)
      for (int c : llcs[i])
        if (c == cpu) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace ktstr
