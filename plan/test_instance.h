// One planned run of a test: the plan pass expands resolved tests × flag
// profiles × (their own topology, then gauntlet presets) × kernels ×
// replicas × --repeat into
// TestInstances with stable names, in a deterministic order. Everything
// after the plan (executor, reporters, run store) sees only instances.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// A kernel of the run as the plan sees it: plain data, no vmm types.
struct PlanKernel {
  std::string label;      ///< cache label or path ("6.12.117-cloud")
  std::string dimension;  ///< the name suffix with several kernels ("kernel_6_12_117")
  bool sched_ext = false;
};

/// One run of one test on one kernel.
struct TestInstance {
  /// Stable full name: "ktstr/NAME[/PROFILE]" or, for a gauntlet variant,
  /// "gauntlet/NAME/PRESET[/PROFILE]", plus "/DIMENSION" with several
  /// kernels. Replicas and repetitions share it (the same test, run again).
  std::string name;
  const ResolvedTest* test = nullptr;
  size_t kernel_index = 0;  ///< into Plan::kernels
  int replica = 1;          ///< 1-based, of `replicas` (the spec's `replicas`)
  int replicas = 1;
  int repetition = 1;  ///< 1-based, of `repetitions` (--repeat)
  int repetitions = 1;
  bool ignored = false;                ///< `ignore = true` (runs only with --run-ignored)
  bool host_only = false;              ///< runs on the host, no VM
  std::string scheduler;               ///< "eevdf" or the [scheduler.NAME]
  std::string profile;                 ///< the flag profile's name: "" or "llc+steal"
  std::vector<std::string> flags;      ///< the profile's flags, in declaration order
  std::vector<std::string> flag_args;  ///< their args, after the scheduler's own
  std::string preset;                  ///< the gauntlet preset, "" for the test's own topology
  TopologySpec topology;               ///< the test's, or the preset's
  int vcpus = 1;                       ///< topology.total_cpus()
  int memory_mib = 256;                ///< the guest memory it will get
  int requested_memory_mib = 2048;     ///< what the test (or preset) asks for
  /// The wall limit of the VM run: the test's timeout_s; when derived, for
  /// this topology, times vCPUs per host CPU under TCG when above 1.
  double timeout_s = 0;
  std::string timeout_origin;  ///< "timeout_s (a.toml:4)", "derived: ..."
  /// vCPUs per host CPU (recorded in results) and the TCG factor in force
  /// (0 under KVM).
  double vcpus_per_host_cpu = 0;
  int oversubscription = 0;
  /// Its directory inside the run directory, relative: "NAME[@PROFILE][-DIMENSION]"
  /// ("gauntlet/NAME@PRESET[@PROFILE][-DIMENSION]" for a gauntlet variant),
  /// plus "/replica-K" with several replicas, plus "/run-R" with --repeat.
  std::string dir;
  /// The name shown for this run: `name`, plus " (replica K/N)" and
  /// " (run R/N)" when there are several.
  std::string display_name() const;
  /// A key unique within a plan: `dir` (no two instances share a directory).
  const std::string& key() const { return dir; }
};

}  // namespace ktstr
