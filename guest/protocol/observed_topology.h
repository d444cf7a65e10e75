// The CPU topology the guest kernel actually shows (from sysfs), reported by
// the agent in its "booted" frame and compared by the host with the declared one.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"

namespace ktstr {

/// CPU groups as the guest sees them. Each group is a sorted list of CPU ids;
/// groups are sorted by their first CPU.
struct ObservedTopology {
  int cpus = 0;                              ///< online CPUs
  std::vector<std::vector<int>> llc_groups;  ///< cache/index3/shared_cpu_list (or highest level)
  std::vector<std::vector<int>> smt_groups;  ///< topology/thread_siblings_list
  std::vector<std::vector<int>> numa_nodes;  ///< node/nodeN/cpulist (empty nodes skipped)
  std::string kernel_release;
  bool sched_ext = false;  ///< /sys/kernel/sched_ext exists

  /// The NnLlCcTt shape these groups describe, if they are uniform.
  std::optional<TopologySpec> shape() const;
  friend bool operator==(const ObservedTopology&, const ObservedTopology&) = default;
};

void to_json(nlohmann::json& j, const ObservedTopology& t);
void from_json(const nlohmann::json& j, ObservedTopology& t);

/// Parses a sysfs CPU list ("0-3,6,8-9"). Returns false on malformed text.
bool parse_cpu_list(const std::string& text, std::vector<int>& out);
/// Formats CPU ids as a compact list ("0-3,6").
std::string format_cpu_list(const std::vector<int>& cpus);

/// "" when `observed` matches `declared`, else a message showing both, e.g.
/// "declared 1n2l2c1t (LLCs [0-1] [2-3]) but the guest shows 1 LLC [0-3]".
std::string compare_topology(const TopologySpec& declared, const ObservedTopology& observed);

}  // namespace ktstr
