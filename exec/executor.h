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
  /// What one instance costs in host CPUs (unset: default_cost_cpus). The
  /// runner counts a VM's vCPUs under KVM and multi-threaded TCG, 1 host
  /// thread under single-threaded TCG.
  std::function<int(const TestInstance&)> cost_cpus;
  int retries = 0;         ///< --retries N: a FAIL or INCONCLUSIVE runs up to N more times
  bool fail_fast = false;  ///< --fail-fast: start nothing after the first failure
  /// Wall-clock limit of one attempt; 0 = none (the VM's own timeouts apply).
  std::chrono::milliseconds attempt_timeout{0};
  /// Set by Ctrl-C (the runner points it at the VM registry's flag): nothing
  /// new starts, running attempts are cancelled, the rest are NOT-RUN.
  const std::atomic<bool>* interrupted = nullptr;
};

/// What an instance costs in host CPUs when ExecutorOptions::cost_cpus is
/// not set: its vCPUs, or 1 for a host_only test.
int default_cost_cpus(const TestInstance& instance);

/// Runs `plan.instances` (and reports `plan.ignored` as SKIP) and returns the
/// summary with outcomes in plan order. Instances start in plan order, each
/// as soon as the budget allows (never skipping ahead past one that does not
/// fit, so the order is deterministic); listeners hear events from one
/// thread at a time. exit_code: 130 when interrupted, else 1 when an
/// outcome fails (status_fails), else 0 (FLAKY does not fail the run).
///
/// The rules, in full (docs/parallel.md says them for users):
/// - An instance fits when the running ones plus it stay within budget_cpus,
///   budget_memory_mib (a host_only instance takes no guest memory) and
///   jobs; when nothing runs, any instance fits (it then runs alone).
/// - A FAIL or INCONCLUSIVE attempt runs again, up to `retries` more times,
///   at once in the same slot (test_retrying first); PASS and SKIP end it.
///   A PASS after a failed attempt is FLAKY; otherwise the status is the
///   last attempt's. dir and properties come from the last attempt, seconds
///   is the sum of the attempts'.
/// - attempt_timeout: the attempt's `cancel` is set when its time is up; what
///   it then returns (even `interrupted`) becomes a FAIL whose first reason
///   is "timed out after N s", unless a reason already says "timed out".
/// - A throwing RunAttempt is a FAIL "internal error: WHAT".
/// - --fail-fast: after the first outcome that fails, nothing new starts; the
///   running ones finish; the rest are NOT-RUN ("not run: --fail-fast stopped
///   the run after NAME failed"); summary.fail_fast_stopped says it left
///   at least one so.
/// - *interrupted: within ~20 ms nothing new starts and every running
///   attempt's `cancel` is set. An attempt that returns `interrupted` leaves
///   its instance NOT-RUN ("not run: interrupted") unless an earlier attempt
///   of it finished (that result stands); what never started is NOT-RUN.
/// - Ignored instances are SKIP ("ignored (use --run-ignored to run it)"),
///   never attempted, merged into the plan order by name: each comes just
///   before the first instance whose name sorts after it.
/// - Events: run_started first; test_started when an attempt starts;
///   test_retrying before each retry; test_finished once per outcome (for a
///   SKIP-ignored or NOT-RUN one without a test_started); run_finished last.
///   An instance's test_finished comes before anything starts in its slot.
RunSummary run_plan(const Plan& plan, const RunInfo& info, const RunAttempt& attempt,
                    const ExecutorOptions& options, RunListener& listener);

}  // namespace ktstr
