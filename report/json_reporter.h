// --reporter json=PATH and the run directory's summary.json: one JSON
// document per run (schema/ktstr-summary.schema.json, versioned), written
// atomically at the end.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "report/run_events.h"

namespace ktstr {

/// The summary format written now ("format" in summary.json).
inline constexpr int kSummaryFormat = 1;

/// The run as JSON (schema/ktstr-summary.schema.json, docs/reports.md):
/// format, run_id, run_dir, started_at, finished_at, wall_seconds, argv,
/// accel, partition, shuffle_seed, budget {jobs, cpus, memory_mib}, kernels
/// [{label, dimension, sched_ext}], counts (per status and total),
/// exit_code, complete, interrupted, fail_fast_stopped, and "tests": one
/// entry per outcome in plan order (name, display_name, status, seconds,
/// kernel label (null when info.kernels does not name it), replica/replicas,
/// repetition/repetitions, dir, reasons, notes, attempts [{verdict, seconds,
/// reasons}], properties {name: value}). Every string is valid UTF-8 (guest
/// bytes replaced), so dump() cannot throw. `complete` is false for the
/// partial summary written while the run goes on.
nlohmann::json summary_json(const RunInfo& info, const RunSummary& summary, bool complete = true);

/// Writes summary_json() to `path` at the end of the run, atomically
/// (report/atomic_write.h); takes RunInfo::kernels from the plan when empty.
class JsonReporter : public RunListener {
 public:
  explicit JsonReporter(std::filesystem::path path) : path_(std::move(path)) {}
  void run_started(const RunInfo& info, const Plan& plan) override;
  void run_finished(const RunSummary& summary) override;
  /// The write error, or "" (the runner prints it and exits 3).
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path path_;
  RunInfo info_;
  std::string error_;
};

}  // namespace ktstr
