// The preset table mirrors ktstr's gauntlet (names, shapes and memory budgets),
// so a gauntlet run here covers the same shapes. Whether a shape can boot under
// the chosen accelerator is decided later by check_topology().
#include "guest/protocol/topology_presets.h"

#include <array>
#include <charconv>
#include <cstdint>

namespace ktstr {
namespace {

constexpr TopologySpec shape(int nodes, int llcs, int cores, int threads) {
  TopologySpec t;
  t.numa_nodes = nodes;
  t.llcs = llcs;
  t.cores = cores;
  t.threads = threads;
  return t;
}

const std::array<TopologyPreset, 24> kPresets = {{
    {"tiny-1llc", "4 CPUs, 1 LLC", shape(1, 1, 4, 1), 2048},
    {"tiny-2llc", "4 CPUs, 2 LLCs: the smallest multi-LLC shape", shape(1, 2, 2, 1), 2048},
    {"odd-3llc", "9 CPUs, 3 LLCs: odd CPU count", shape(1, 3, 3, 1), 2048},
    {"odd-5llc", "15 CPUs, 5 LLCs: prime LLC count", shape(1, 5, 3, 1), 2048},
    {"odd-7llc", "14 CPUs, 7 LLCs: prime LLC count", shape(1, 7, 2, 1), 2048},
    {"smt-2llc", "8 CPUs, 2 LLCs, SMT", shape(1, 2, 2, 2), 2048},
    {"smt-3llc", "12 CPUs, 3 LLCs, SMT", shape(1, 3, 2, 2), 2048},
    {"medium-4llc", "32 CPUs, 4 LLCs, SMT", shape(1, 4, 4, 2), 2048},
    {"medium-8llc", "64 CPUs, 8 LLCs, SMT", shape(1, 8, 4, 2), 2048},
    {"large-4llc", "128 CPUs, 4 LLCs, SMT", shape(1, 4, 16, 2), 2048},
    {"large-8llc", "128 CPUs, 8 LLCs, SMT", shape(1, 8, 8, 2), 2048},
    {"near-max-llc", "240 CPUs, 15 LLCs, SMT", shape(1, 15, 8, 2), 2048},
    {"max-cpu", "252 CPUs, 14 LLCs, SMT", shape(1, 14, 9, 2), 4096},
    {"medium-4llc-nosmt", "32 CPUs, 4 LLCs, no SMT", shape(1, 4, 8, 1), 2048},
    {"medium-8llc-nosmt", "64 CPUs, 8 LLCs, no SMT", shape(1, 8, 8, 1), 2048},
    {"large-4llc-nosmt", "128 CPUs, 4 LLCs, no SMT", shape(1, 4, 32, 1), 2048},
    {"large-8llc-nosmt", "128 CPUs, 8 LLCs, no SMT", shape(1, 8, 16, 1), 2048},
    {"near-max-llc-nosmt", "240 CPUs, 15 LLCs, no SMT", shape(1, 15, 16, 1), 2048},
    {"max-cpu-nosmt", "252 CPUs, 14 LLCs, no SMT", shape(1, 14, 18, 1), 4096},
    {"numa2-4llc", "16 CPUs, 2 NUMA nodes, 4 LLCs", shape(2, 4, 4, 1), 2048},
    {"numa2-8llc", "128 CPUs, 2 NUMA nodes, 8 LLCs, SMT", shape(2, 8, 8, 2), 2048},
    {"numa2-8llc-nosmt", "128 CPUs, 2 NUMA nodes, 8 LLCs, no SMT", shape(2, 8, 16, 1), 2048},
    {"numa4-8llc", "32 CPUs, 4 NUMA nodes, 8 LLCs", shape(4, 8, 4, 1), 2048},
    {"numa4-12llc", "192 CPUs, 4 NUMA nodes, 12 LLCs, SMT", shape(4, 12, 8, 2), 4096},
}};

}  // namespace

std::span<const TopologyPreset> gauntlet_presets() { return kPresets; }

const TopologyPreset* find_topology_preset(std::string_view name) {
  for (const TopologyPreset& p : kPresets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TopologyParse parse_topology_string(std::string_view text) {
  // Four "<decimal><letter>" groups in a fixed order; anything else is refused
  // with the expected form, since a typo here silently changes the test shape.
  static constexpr std::array<std::pair<char, const char*>, 4> kFields = {{
      {'n', "numa nodes"},
      {'l', "llcs"},
      {'c', "cores per llc"},
      {'t', "threads per core"},
  }};
  const std::string form = "expected NnLlCcTt, e.g. 1n2l4c1t";
  TopologyParse out;
  std::array<int, 4> values{};
  std::string_view rest = text;
  for (size_t i = 0; i < kFields.size(); ++i) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    size_t digits = static_cast<size_t>(ptr - rest.data());
    if (digits == 0) {
      out.error = "topology '" + std::string(text) + "': " + form;
      return out;
    }
    if (ec == std::errc::result_out_of_range || value > kMaxTopologyDimension) {
      // Never clamp or wrap: a shape that silently changed would test something else.
      out.error = "topology '" + std::string(text) + "': " + kFields[i].second + " (" +
                  std::string(rest.substr(0, digits)) + ") must be at most " +
                  std::to_string(kMaxTopologyDimension);
      out.out_of_range = true;
      return out;
    }
    if (digits >= rest.size() || rest[digits] != kFields[i].first) {
      out.error = "topology '" + std::string(text) + "': missing '" + kFields[i].first +
                  "' after " + std::string(rest.substr(0, digits)) + " (" + form + ")";
      return out;
    }
    if (value < 1) {
      out.error =
          "topology '" + std::string(text) + "': " + kFields[i].second + " must be at least 1";
      return out;
    }
    values[i] = static_cast<int>(value);
    rest.remove_prefix(digits + 1);
  }
  if (!rest.empty()) {
    out.error = "topology '" + std::string(text) + "': unexpected '" + std::string(rest) + "' (" +
                form + ")";
    return out;
  }
  out.topology.numa_nodes = values[0];
  out.topology.llcs = values[1];
  out.topology.cores = values[2];
  out.topology.threads = values[3];
  return out;
}

}  // namespace ktstr
