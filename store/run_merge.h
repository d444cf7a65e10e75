// `ktstr-run merge RUN...`: the run directories of a partitioned suite (one
// per CI matrix job or Indexed Job pod, each run with --partition K/N) joined
// into one new run directory that reads like one run: every instance
// directory hard-linked (copied across file systems) so `reeval` and `stats`
// work on it, summary.json and junit.xml of the union, and in summary.json
// "merged_from" naming each run and its partition.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// Why a merge did not happen.
struct MergeError {
  enum class Kind {
    kConflict,    ///< the same test in two runs with different results; a bad --out (exit 2)
    kUnreadable,  ///< a run that cannot be read; a directory that cannot be written (exit 3)
  };
  Kind kind = Kind::kUnreadable;
  std::string message;
};

/// What a merge made.
struct MergeResult {
  std::filesystem::path dir;  ///< the new run directory
  int tests = 0;              ///< instances in the union
  int runs = 0;               ///< runs merged
  bool fails = false;         ///< a test of the union failed (FAIL, INCONCLUSIVE): exit 1
  int files_linked = 0, files_copied = 0;
  std::vector<std::string> notes;  ///< an incomplete run, a missing test directory
};

/// Merges `runs` into `out` (created; it must not exist or be empty), or,
/// when `out` is empty, into a new run directory beside the first run.
/// A test (by display name) in two runs is an error naming both runs unless
/// both copies are identical, or one of them did not run (NOT-RUN: the one
/// that ran is kept). `argv` is recorded in summary.json. Nothing is left
/// behind on an error.
std::optional<MergeResult> merge_runs(const std::vector<std::filesystem::path>& runs,
                                      const std::filesystem::path& out,
                                      const std::vector<std::string>& argv, MergeError* error);

}  // namespace ktstr
