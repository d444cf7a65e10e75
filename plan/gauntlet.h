// Gauntlet mode: every test that opts in (any test, with --gauntlet or
// --run-ignored) also runs on each topology preset that satisfies its
// [gauntlet] constraints and fits the host. docs/gauntlet.md is the manual.
#pragma once

#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "runner/test_resolver.h"

namespace ktstr {

struct Catalog;

/// One preset a gauntlet can use: built in (ktstr's names and shapes) or a
/// [preset.NAME] table.
struct GauntletPreset {
  std::string name;
  std::string description;
  TopologySpec topology;
  int memory_mib = 0;  ///< 0: the test's memory_mib
  bool builtin = true;
};

/// Under TCG a preset may have up to this many vCPUs per host CPU. A TCG
/// vCPU is a host thread that runs guest code 4-7 times slower than the host
/// (notes/vm-measurements.md), so 8 per host CPU keeps a 16-vCPU preset
/// bootable on 2 cores in about 5 s; timing-sensitive checks are noisier
/// there, which is why the factor is recorded in every result.
inline constexpr int kTcgOversubscription = 8;

/// What the host can run: under KVM a VM never has more vCPUs than the host
/// has CPUs (as ktstr); under TCG up to `oversubscription` per host CPU.
struct HostCapacity {
  int cpus = 1;
  bool kvm = false;
  int oversubscription = kTcgOversubscription;
  /// The most vCPUs one VM may have here.
  int max_vcpus() const { return kvm ? cpus : cpus * oversubscription; }
  /// vCPUs per host CPU of a VM with `vcpus` (>= 0; 0.5 for 1 vCPU on 2 CPUs).
  double vcpus_per_cpu(int vcpus) const { return cpus > 0 ? double(vcpus) / cpus : vcpus; }
  /// "2 host CPUs, TCG: at most 16 vCPUs (8 per host CPU)".
  std::string describe() const;
};

/// The built-in presets followed by the catalog's [preset.NAME] tables
/// (sorted by name).
std::vector<GauntletPreset> gauntlet_preset_list(const Catalog& catalog);

/// Why test `t` does not run on `preset` under its [gauntlet] constraints
/// ("max_cpus = 8 < 9 CPUs"), or "" when it does. Also refuses a preset with
/// fewer LLCs or NUMA nodes than the test's cgroup cpusets name
/// ("llc:2" needs 3 LLCs).
std::string gauntlet_constraint_miss(const ResolvedTest& t, const GauntletPreset& preset);

/// Why `topology` does not fit `host` ("16 vCPUs > 8 (2 host CPUs, KVM)"), or "".
std::string capacity_miss(const HostCapacity& host, const TopologySpec& topology);

}  // namespace ktstr
