// The [checks] over the workers' telemetry, per cgroup: not_starved (zero
// work, plus the spread and gap checks), isolation, max_gap_ms,
// max_spread_pct, max_throughput_cv, min_work_rate, max_p99_wake_latency_ns,
// max_wake_latency_cv, min_iteration_rate, max_migration_ratio. Every formula
// is in docs/checks.md.
#pragma once

#include <string>
#include <vector>

#include "eval/checks.h"
#include "eval/evaluate.h"
#include "guest/protocol/worker_report.h"

namespace ktstr {

/// What the checks found in one scenario's telemetry.
struct TelemetryFindings {
  /// FAIL reasons: check, cgroup, worker, measured value vs threshold (origin).
  std::vector<std::string> failures;
  /// A set threshold whose formula had a zero denominator (INCONCLUSIVE).
  std::vector<std::string> inconclusive;
  /// Checks that could not be evaluated (one worker for a spread, ...).
  std::vector<std::string> notes;
  /// One row per cgroup.
  std::vector<CgroupRow> table;
};

/// Judges `telemetry` against `checks`. A worker report with an error fails.
TelemetryFindings check_telemetry(const ScenarioTelemetry& telemetry, const Checks& checks);

/// `cpus` (sorted or not) as a compact list: "0-1,3".
std::string cpu_list_text(std::vector<int> cpus);

}  // namespace ktstr
