// `ktstr-run reeval RUN_DIR [PATH...]`: judges the stored run records of a
// finished run again against the current specs (with --set), without booting
// anything: read every result.json under RUN_DIR, resolve each test from the
// specs, build its Checks, evaluate(), print the verdicts as a run does with
// a mark where one changed, exit as a run would. Nothing is written.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "eval/evaluate.h"

namespace ktstr {

/// Options of `reeval`.
struct ReevalOptions {
  std::string run_dir;
  /// Spec files or directories; empty = the PATH arguments the run recorded.
  std::vector<std::string> paths;
  std::vector<std::string> sets;  ///< --set KEY=VALUE
  bool verbose = false;
};

/// "" when `stored` (a verdict name from result.json) is `now`'s name, else
/// "PASS → FAIL"; a verdict the run never stored reads "? → FAIL".
std::string verdict_change(const std::string& stored, Verdict::Kind now);

/// Re-evaluates and prints to `out` (errors to `err`). Returns 0 when every
/// test passed or was skipped, 1 when one failed, 2 on a usage or spec error,
/// a record that cannot be read, or a test whose spec is gone (these win over
/// 1), 3 when RUN_DIR is unreadable or holds no result.json.
int run_reeval(const ReevalOptions& options, std::ostream& out, std::ostream& err);

/// Registers `reeval` on `app`.
void add_reeval_command(CLI::App& app, int& exit_code);

}  // namespace ktstr
