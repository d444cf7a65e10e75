// The run directory, ktstr-runs/<run-id>/: one directory per instance with
// its sidecar (result.json, schema/ktstr-result.schema.json, versioned),
// console and frames, plus summary.json and junit.xml for the whole run.
// Every file is written atomically (temporary + rename); two runs never share
// a directory; an interrupted run's summary marks what did not run.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/json_reporter.h"
#include "report/run_events.h"

namespace ktstr {

/// The sidecar format written now ("format" in result.json).
inline constexpr int kSidecarFormat = 1;

/// A new run directory under `parent`: "<YYYYmmdd-HHMMSS>-<pid>-<4 hex>",
/// created exclusively (mkdir; another name is tried on a collision).
/// Returns nullopt and sets `error` when `parent` cannot be written.
std::optional<std::filesystem::path> create_run_dir(const std::filesystem::path& parent,
                                                    std::string* error);

/// A listener that keeps the run directory current: after each test
/// summary.json (partial, "complete": false) and at the end summary.json and
/// junit.xml ("complete": true; NOT-RUN entries for what did not run).
class RunStoreWriter : public RunListener {
 public:
  void run_started(const RunInfo& info, const Plan& plan) override;
  void test_finished(const TestOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;

 private:
  RunInfo info_;
  const Plan* plan_ = nullptr;
  std::vector<TestOutcome> done_;
};

/// One stored run, as `stats`, `merge` and `reeval` read it.
struct StoredRun {
  std::filesystem::path dir;
  nlohmann::json summary;  ///< summary.json
  /// Each test's sidecar (result.json), in summary order; null when missing.
  std::vector<nlohmann::json> sidecars;
};

/// Reads `dir` (a run directory). Returns nullopt and sets `error` for a
/// directory that is not a run ("no summary.json in DIR"), an unreadable or
/// newer format ("summary.json format 2 is newer than this ktstr-run (1)").
std::optional<StoredRun> read_run(const std::filesystem::path& dir, std::string* error);

/// The run directories under `parent`, oldest first (by run id).
std::vector<std::filesystem::path> list_runs(const std::filesystem::path& parent);

}  // namespace ktstr
