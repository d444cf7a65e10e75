// One planned run of a test: the plan pass expands resolved tests × kernels
// (and, later, gauntlet presets × flag profiles) × replicas × --repeat into
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
  /// Stable full name: "ktstr/NAME", plus "/DIMENSION" with several kernels.
  /// Replicas and repetitions share it (the same test, run again).
  std::string name;
  const ResolvedTest* test = nullptr;
  size_t kernel_index = 0;  ///< into Plan::kernels
  int replica = 1;          ///< 1-based, of `replicas` (the spec's `replicas`)
  int replicas = 1;
  int repetition = 1;  ///< 1-based, of `repetitions` (--repeat)
  int repetitions = 1;
  bool ignored = false;    ///< `ignore = true` (runs only with --run-ignored)
  bool host_only = false;  ///< runs on the host, no VM
  std::string scheduler;   ///< "eevdf" or the [scheduler.NAME]
  TopologySpec topology;
  int vcpus = 1;         ///< topology.total_cpus()
  int memory_mib = 256;  ///< the guest memory it will get
  /// Its directory inside the run directory, relative: "NAME[-DIMENSION]",
  /// plus "/replica-K" with several replicas, plus "/run-R" with --repeat.
  std::string dir;
  /// The name shown for this run: `name`, plus " (replica K/N)" and
  /// " (run R/N)" when there are several.
  std::string display_name() const;
  /// A key unique within a plan: `dir` (no two instances share a directory).
  const std::string& key() const { return dir; }
};

}  // namespace ktstr
