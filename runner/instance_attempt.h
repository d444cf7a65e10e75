// Prepare, launch and evaluate of one attempt of one instance: the RunAttempt
// the executor calls. It writes the instance's directory (sidecar result.json
// with its versioned fields, logs) and returns the verdict; an interrupted
// attempt leaves no partial file behind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "runner/spec_catalog.h"
#include "vmm/kernel_resolve.h"
#include "vmm/vm_request.h"

namespace ktstr {

/// What every attempt of a run shares (read-only while the run goes on).
struct AttemptContext {
  const Catalog* catalog = nullptr;
  const std::vector<KernelInfo>* kernels = nullptr;  ///< Plan::kernels' order
  std::vector<KernelFacts> facts;                    ///< per kernel
  Accel accel = Accel::kTcg;
  std::filesystem::path agent;
  std::filesystem::path run_root;       ///< the run directory
  std::vector<std::string> spec_paths;  ///< the run's PATH arguments (for reeval)
  VmLauncher* launcher = nullptr;
};

/// Runs attempt `attempt` of `instance`: SKIP on a kernel without sched_ext
/// when its scheduler needs it; host_only on the host; else a VM. Never throws.
AttemptResult run_instance_attempt(const AttemptContext& context, const TestInstance& instance,
                                   int attempt);

/// The sidecar fields that say which instance and attempt it is (format,
/// name, display name, test, replica, repetition, attempt, dir, status).
void add_instance_fields(nlohmann::json& sidecar, const TestInstance& instance, int attempt,
                         const Verdict& verdict);

}  // namespace ktstr
