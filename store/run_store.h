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

/// The files of a run directory and of each instance directory in it.
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kJunitFile = "junit.xml";
inline constexpr const char* kSidecarFile = "result.json";
/// The key of summary.json's array of per-instance entries (summary_json()).
inline constexpr const char* kSummaryTestsKey = "tests";

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
  /// The first write error ("write DIR/summary.json: ..."), or "" (the
  /// runner prints it and exits 3).
  const std::string& error() const { return error_; }

 private:
  void write_partial();
  void keep_error(std::string error);
  RunInfo info_;
  const Plan* plan_ = nullptr;
  std::vector<TestOutcome> done_;
  std::string error_;
};

/// One stored run, as `stats`, `merge` and `reeval` read it.
struct StoredRun {
  std::filesystem::path dir;
  nlohmann::json summary;  ///< summary.json
  /// Each test's sidecar (result.json), in summary order; null when missing.
  std::vector<nlohmann::json> sidecars;
  /// Sidecars that exist but could not be used, one sentence each naming
  /// the file ("DIR/x/result.json: not JSON (...)"); their entry is null.
  std::vector<std::string> warnings;
  /// summary.json's per-instance entries (kSummaryTestsKey), in order.
  const nlohmann::json& tests() const { return summary.at(kSummaryTestsKey); }
  /// summary.json's "run_id", else the directory's name.
  std::string run_id() const;
};

/// Reads `dir` (a run directory). Returns nullopt and sets `error` for a
/// directory that is not a run ("no summary.json in DIR"), an unreadable or
/// newer format ("summary.json format 2 is newer than this ktstr-run (1)").
std::optional<StoredRun> read_run(const std::filesystem::path& dir, std::string* error);

/// The run directories under `parent` (those holding a summary.json),
/// oldest first (by run id, which starts with the time).
std::vector<std::filesystem::path> list_runs(const std::filesystem::path& parent);

/// What a user names a run by: a directory path, a run id under `parent`,
/// or "latest" (the newest of list_runs(parent)). Returns nullopt and sets
/// `error` ("no run 'x': not a directory, nor a run id under ktstr-runs")
/// otherwise.
std::optional<std::filesystem::path> resolve_run(const std::filesystem::path& parent,
                                                 const std::string& run, std::string* error);

}  // namespace ktstr
