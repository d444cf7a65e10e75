// Test support: temporary directories and fake sysfs trees shaped like the
// ones QEMU's topology recipe produces (CPUs numbered socket, die, core, thread).
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"
#include "tests/unit/temp_dir.h"

namespace ktstr::testing {

/// Writes `text` to `path`, creating parent directories.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

/// CPU ids [first, first + n) as a vector.
inline std::vector<int> cpu_range(int first, int n) {
  std::vector<int> v;
  for (int c = first; c < first + n; ++c) v.push_back(c);
  return v;
}

/// How much cache information the fake tree has.
enum class FakeCache { kIndex3, kIndex2Only, kNone };

/// Populates `sys` (a fake /sys) for topology `t`.
inline void write_fake_sysfs(const std::filesystem::path& sys, const TopologySpec& t,
                             FakeCache cache = FakeCache::kIndex3) {
  const int cpus = t.total_cpus();
  const int per_llc = t.cores * t.threads;
  const int per_node = per_llc * (t.llcs / t.numa_nodes);
  const auto cpu_root = sys / "devices" / "system" / "cpu";
  write_file(cpu_root / "online", format_cpu_list(cpu_range(0, cpus)) + "\n");
  write_file(cpu_root / "possible", format_cpu_list(cpu_range(0, cpus)) + "\n");
  for (int c = 0; c < cpus; ++c) {
    const auto dir = cpu_root / ("cpu" + std::to_string(c));
    const std::string smt = format_cpu_list(cpu_range(c / t.threads * t.threads, t.threads));
    const std::string llc = format_cpu_list(cpu_range(c / per_llc * per_llc, per_llc));
    write_file(dir / "topology" / "thread_siblings_list", smt + "\n");
    if (cache == FakeCache::kNone) continue;
    write_file(dir / "cache" / "index0" / "shared_cpu_list", smt + "\n");
    write_file(dir / "cache" / "index1" / "shared_cpu_list", smt + "\n");
    if (cache == FakeCache::kIndex3) {
      write_file(dir / "cache" / "index2" / "shared_cpu_list", smt + "\n");
      write_file(dir / "cache" / "index3" / "shared_cpu_list", llc + "\n");
    } else {
      write_file(dir / "cache" / "index2" / "shared_cpu_list", llc + "\n");
    }
  }
  for (int n = 0; n < t.numa_nodes; ++n) {
    write_file(sys / "devices" / "system" / "node" / ("node" + std::to_string(n)) / "cpulist",
               format_cpu_list(cpu_range(n * per_node, per_node)) + "\n");
  }
}

/// Parses "1n2l2c1t" (test shorthand; no validation beyond the format).
inline TopologySpec topo(const std::string& s) {
  TopologySpec t;
  std::sscanf(s.c_str(), "%dn%dl%dc%dt", &t.numa_nodes, &t.llcs, &t.cores, &t.threads);
  return t;
}

}  // namespace ktstr::testing
