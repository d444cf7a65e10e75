#include "plan/gauntlet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "guest/protocol/topology_presets.h"
#include "runner/spec_catalog.h"

namespace ktstr {

using nlohmann::json;

std::string HostCapacity::describe() const {
  if (kvm)
    return fmt::format("{} host CPU{}, KVM: at most {} vCPUs (never oversubscribed)", cpus,
                       cpus == 1 ? "" : "s", max_vcpus());
  return fmt::format("{} host CPU{}, TCG: at most {} vCPUs ({} per host CPU)", cpus,
                     cpus == 1 ? "" : "s", max_vcpus(), oversubscription);
}

namespace {

// A [preset.NAME] topology: a string or a table (the schema checked it).
TopologySpec preset_topology(const json& v) {
  TopologySpec t;
  if (v.is_string()) {
    const TopologyParse p = parse_topology_string(v.get<std::string>());
    if (p.ok()) t = p.topology;
    return t;
  }
  if (!v.is_object()) return t;
  t.numa_nodes = v.value("numa_nodes", 1);
  t.llcs = v.contains("llcs") ? v.value("llcs", 1) : v.value("sockets", 1);
  t.cores = v.value("cores", 2);
  t.threads = v.value("threads", 1);
  return t;
}

// The highest "llc:N" / "numa:N" index the test's cgroups name, plus one.
int needed(const ResolvedTest& t, const char* prefix) {
  int most = 0;
  const Setting* cg = t.get("cgroup");
  if (!cg || !cg->value.is_array()) return 0;
  for (const auto& c : cg->value) {
    if (!c.is_object() || !c.contains("cpuset") || !c["cpuset"].is_string()) continue;
    const std::string cpuset = c["cpuset"];
    if (cpuset.starts_with(prefix))
      most = std::max(most, std::atoi(cpuset.c_str() + std::string(prefix).size()) + 1);
  }
  return most;
}

}  // namespace

std::vector<GauntletPreset> gauntlet_preset_list(const Catalog& catalog) {
  std::vector<GauntletPreset> out;
  for (const TopologyPreset& p : gauntlet_presets())
    out.push_back({.name = std::string(p.name),
                   .description = std::string(p.description),
                   .topology = p.topology,
                   .memory_mib = p.memory_mib,
                   .builtin = true});
  if (catalog.by_kind.count("preset"))
    for (const auto& [name, e] : catalog.by_kind.at("preset")) {
      GauntletPreset g{.name = name, .builtin = false};
      g.description = e.value->value("description", "");
      if (e.value->contains("topology")) g.topology = preset_topology((*e.value)["topology"]);
      g.memory_mib = e.value->value("memory_mib", 0);
      out.push_back(std::move(g));
    }
  return out;
}

std::string gauntlet_constraint_miss(const ResolvedTest& t, const GauntletPreset& preset) {
  if (const Setting* only = t.get("gauntlet.presets"); only && only->value.is_array()) {
    const auto& list = only->value;
    if (std::find(list.begin(), list.end(), json(preset.name)) == list.end())
      return "not in [gauntlet] presets";
  }
  const TopologySpec& topo = preset.topology;
  struct Dim {
    const char* key;
    int value;
    const char* unit;
  };
  for (const Dim& d : {Dim{"cpus", topo.total_cpus(), "CPUs"}, Dim{"llcs", topo.llcs, "LLCs"},
                       Dim{"numa_nodes", topo.numa_nodes, "NUMA nodes"}}) {
    const int lo = t.value_or<int>(std::string("gauntlet.min_") + d.key, 0);
    if (lo > 0 && d.value < lo)
      return fmt::format("min_{} = {} > {} {}", d.key, lo, d.value, d.unit);
    const int hi = t.value_or<int>(std::string("gauntlet.max_") + d.key, 0);
    if (hi > 0 && d.value > hi)
      return fmt::format("max_{} = {} < {} {}", d.key, hi, d.value, d.unit);
  }
  if (t.value_or<bool>("gauntlet.requires_smt", false) && topo.threads < 2)
    return "requires_smt = true and it has 1 thread per core";
  if (const int llcs = needed(t, "llc:"); llcs > topo.llcs)
    return fmt::format("a cgroup cpuset names llc:{} and it has {} LLC{}", llcs - 1, topo.llcs,
                       topo.llcs == 1 ? "" : "s");
  if (const int nodes = needed(t, "numa:"); nodes > topo.numa_nodes)
    return fmt::format("a cgroup cpuset names numa:{} and it has {} NUMA node{}", nodes - 1,
                       topo.numa_nodes, topo.numa_nodes == 1 ? "" : "s");
  return "";
}

std::string capacity_miss(const HostCapacity& host, const TopologySpec& topology) {
  const int vcpus = topology.total_cpus();
  if (vcpus <= host.max_vcpus()) return "";
  return fmt::format("{} vCPUs > {} ({})", vcpus, host.max_vcpus(), host.describe());
}

}  // namespace ktstr
