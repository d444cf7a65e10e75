// `ktstr-run stats list|show|compare`: the stored runs, one run, and what got
// worse between two runs (store/stats_compare.h), read from the run
// directories alone: nothing is booted, nothing is written.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace ktstr {

/// Options of `stats`.
struct StatsOptions {
  /// Where run directories are (--run-dir); "" = ktstr-runs. [run] run_dir
  /// of a project is not read here (that needs the specs): pass --run-dir.
  std::string run_dir;
  std::vector<std::string> runs;        ///< RUN arguments: paths, run ids or "latest"
  std::vector<std::string> thresholds;  ///< --threshold METRIC=ABS,REL
  std::vector<std::string> metrics;     ///< --metric M
};

/// `stats list`: one line per run under the run directory parent, oldest
/// first. Returns 0.
int run_stats_list(const StatsOptions& options, std::ostream& out, std::ostream& err);

/// `stats show RUN`: the run's facts and each test's status and metrics.
/// Returns 0, or 3 when RUN cannot be found or read.
int run_stats_show(const StatsOptions& options, std::ostream& out, std::ostream& err);

/// `stats compare RUN_A RUN_B`: returns 1 on a regression, 0 otherwise, 2 for
/// a bad --threshold or --metric, 3 when a run cannot be found or read.
int run_stats_compare(const StatsOptions& options, std::ostream& out, std::ostream& err);

/// Registers `stats` and its subcommands on `app`.
void add_stats_command(CLI::App& app, int& exit_code);

}  // namespace ktstr
