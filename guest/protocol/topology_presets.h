// The gauntlet's topology presets (the same 24 shapes as ktstr's gauntlet) and
// the parser for topology strings such as "1n2l4c1t".
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "guest/protocol/test_spec.h"

namespace ktstr {

/// One named gauntlet shape.
struct TopologyPreset {
  std::string_view name;         ///< "tiny-1llc"
  std::string_view description;  ///< one line for --list and reports
  TopologySpec topology;
  int memory_mib = 0;  ///< requested guest memory (pass through memory_mib_for())
};

/// All gauntlet presets, in ktstr's order (single node by size, then NUMA).
std::span<const TopologyPreset> gauntlet_presets();

/// The preset called `name`, or nullptr.
const TopologyPreset* find_topology_preset(std::string_view name);

/// The largest value of one topology dimension: none can exceed the q35
/// machine's 288 CPUs (the schema's topology table says the same).
inline constexpr int kMaxTopologyDimension = 288;

/// Result of parse_topology_string(): a topology or an error message.
struct TopologyParse {
  TopologySpec topology;
  std::string error;          ///< empty on success
  bool out_of_range = false;  ///< the form is right but a number exceeds kMaxTopologyDimension
  bool ok() const { return error.empty(); }
};

/// Parses "NnLlCcTt" (e.g. "2n4l2c1t": 2 NUMA nodes, 4 LLCs in total, 2 cores per
/// LLC, 1 thread per core). Every field is required, in that order, >= 1 and
/// <= kMaxTopologyDimension.
/// Only the syntax is checked here; whether QEMU can express the shape is
/// check_topology()'s job (qemu_cmdline.h).
TopologyParse parse_topology_string(std::string_view text);

}  // namespace ktstr
