// The results a run left behind, read back for `ktstr-run reeval`: every
// result.json under a run directory (a test's, or a replica's under
// NAME/replica-K), each with the verdict it had and its run record. A file
// that cannot be re-evaluated (unreadable, not JSON, no record, a record of
// another format version) is kept with a sentence saying why, naming the file,
// so one bad file is an error of its own and not the end of the others.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "eval/run_record.h"

namespace ktstr {

/// One result.json found under a run directory.
struct StoredResult {
  std::filesystem::path file;
  std::string name;            ///< the test's printed name ("ktstr/fair"), replica added
  std::string stored_verdict;  ///< "PASS", "FAIL", "SKIP", "INCONCLUSIVE" as the run judged
  double seconds = 0;          ///< the run's wall time for this test
  std::optional<RunRecord> record;
  std::string error;  ///< why it cannot be re-evaluated; "" when `record` is set
};

/// Every result.json under `run_dir`, sorted by path. `error` is set (and
/// nothing else) when `run_dir` is missing, not a directory, unreadable, or
/// holds no result.json at all.
struct StoredResults {
  std::vector<StoredResult> results;
  std::string error;
};

/// Scans `run_dir` recursively (symlinks are not followed) and reads each
/// result.json with read_stored_result().
StoredResults read_stored_run(const std::filesystem::path& run_dir);

/// Reads one result.json. The error names the file and what is wrong:
/// "<file>: not a JSON object (...)", "<file>: no run record (...)", "<file>:
/// this record is format 0; this ktstr-run reads format 1: re-run the test"
/// (eval/run_record.h read_run_record).
StoredResult read_stored_result(const std::filesystem::path& file);

}  // namespace ktstr
