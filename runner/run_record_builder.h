// The run record of one finished test (eval/run_record.h), built from what
// the VM (or the host_only agent) produced and what the test asked for.
#pragma once

#include <string>
#include <vector>

#include "eval/run_record.h"
#include "guest/protocol/test_spec.h"
#include "vmm/vm_outcome.h"

namespace ktstr {

/// What the runner knows of a run beyond the outcome and the guest spec.
struct RunContext {
  std::string name;            ///< full test name (with the kernel suffix when several)
  std::string kernel;          ///< kernel label, "host" for host_only
  std::string accel;           ///< "kvm" | "tcg" | "host"
  bool check_topology = true;  ///< false for host_only (the topology is the host's)
  // Where the test came from, so `reeval` finds its current spec.
  std::string test;                     ///< the spec's test name
  std::string spec_file;                ///< the file declaring it (made absolute)
  std::vector<std::string> spec_paths;  ///< the run's PATH arguments; empty = spec_file
};

/// The record of `outcome`, the run of `spec`.
RunRecord build_run_record(const VmOutcome& outcome, const GuestTestSpec& spec,
                           const RunContext& context);

}  // namespace ktstr
