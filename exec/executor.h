// The executor: runs a plan's instances in parallel within a CPU and memory
// budget, retries failures, stops early on --fail-fast or Ctrl-C, and tells
// the listeners. It knows nothing about VMs: each attempt is a call of
// `RunAttempt`, which the runner binds to prepare + launch + evaluate and
// unit tests bind to a fake that returns in microseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "plan/plan.h"
#include "report/run_events.h"

namespace ktstr {

/// What one attempt reports back.
struct AttemptResult {
  Verdict verdict;
  /// The instance's directory relative to the run directory ("" if none).
  std::string dir;
  std::vector<std::pair<std::string, std::string>> properties;
  /// The attempt ended because the run was interrupted: not a verdict; the
  /// instance becomes NOT-RUN and its partial files are the attempt's to remove.
  bool interrupted = false;
};

/// Runs attempt `attempt` (1-based) of `instance`. Called from executor
/// threads, several at once; must not throw (a throw becomes a FAIL with
/// "internal error: ..."). `cancel` becomes true on Ctrl-C or when the
/// instance's time is up: return soon after.
using RunAttempt = std::function<AttemptResult(const TestInstance& instance, int attempt,
                                               const std::atomic<bool>& cancel)>;

/// How much runs at once, and what happens on failure.
struct ExecutorOptions {
  /// Host CPUs the running instances may use together: an instance costs
  /// `cost_cpus(instance)`; the sum stays <= this. One instance larger than
  /// the budget still runs, alone.
  int budget_cpus = 1;
  /// Guest memory the running instances may use together (MiB); the same rule.
  std::int64_t budget_memory_mib = 1 << 20;
  /// Most instances at once (-j / [run] jobs); 0 = no limit beyond the budget.
  int jobs = 0;
  /// What one instance costs in host CPUs (default: its vCPUs; host_only: 1).
  std::function<int(const TestInstance&)> cost_cpus;
  int retries = 0;         ///< --retries N: a FAIL runs up to N more times
  bool fail_fast = false;  ///< --fail-fast: start nothing after the first failure
  /// Wall-clock limit of one attempt; 0 = none (the VM's own timeouts apply).
  std::chrono::milliseconds attempt_timeout{0};
  /// Set by Ctrl-C (the runner points it at the VM registry's flag): nothing
  /// new starts, running attempts are cancelled, the rest are NOT-RUN.
  const std::atomic<bool>* interrupted = nullptr;
};

/// Runs `plan.instances` (and reports `plan.ignored` as SKIP) and returns the
/// summary with outcomes in plan order. Instances start in plan order, each
/// as soon as the budget allows (never skipping ahead past one that does not
/// fit, so the order is deterministic); listeners hear events from one
/// thread at a time. exit_code: 130 when interrupted, else 1 when an
/// outcome fails (status_fails), else 0.
RunSummary run_plan(const Plan& plan, const RunInfo& info, const RunAttempt& attempt,
                    const ExecutorOptions& options, RunListener& listener);

}  // namespace ktstr
