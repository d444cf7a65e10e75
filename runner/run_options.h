// The options of `ktstr-run [run]`, each with its KTSTR_* environment twin
// (the command line wins). Every option takes one value and repeats, and the
// paths may come before, between or after them.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "runner/spec_pipeline.h"

namespace ktstr {

/// --reporter KIND=PATH.
struct ReporterSpec {
  enum class Kind { kJunit, kJson };
  Kind kind = Kind::kJunit;
  std::string path;
};

/// Parses "junit=PATH" / "json=PATH"; nullopt and `error` otherwise.
std::optional<ReporterSpec> parse_reporter(const std::string& text, std::string* error);

/// What --no-tests does when nothing matches the filters.
enum class NoTests { kFail, kWarn, kPass };

/// Options of a run.
struct RunOptions {
  SpecOptions specs;
  std::vector<std::string> kernels;  ///< --kernel (repeatable)
  std::string accel;                 ///< --accel / KTSTR_ACCEL; "" = [run] accel, else auto
  std::vector<std::string> filters;  ///< --filter substrings of test names
  std::vector<std::string> exprs;    ///< -E expressions
  bool run_ignored = false;
  bool verbose = false;
  bool list = false;               ///< --list: print what would run, run nothing
  bool gauntlet = false;           ///< --gauntlet: the gauntlet variants run too
  std::optional<double> budget_s;  ///< --budget SECS / KTSTR_BUDGET_SECS
  std::string no_tests = "fail";   ///< --no-tests fail|warn|pass
  int repeat = 1;
  int retries = 0;
  bool fail_fast = false;
  std::string partition;  ///< --partition hash:K/N | count:K/N
  bool shuffle = false;
  std::optional<std::uint64_t> seed;
  int jobs = 0;                        ///< -j; 0 = [run] jobs, else the CPU/memory budget alone
  std::vector<std::string> reporters;  ///< --reporter KIND=PATH
  std::string run_dir;                 ///< parent of per-run directories (default ktstr-runs)
  std::vector<std::string> argv;       ///< the command line, recorded in summary.json
};

/// Registers every option of `run` on `cmd`, bound to `options`.
void add_run_options(CLI::App* cmd, RunOptions& options);

}  // namespace ktstr
