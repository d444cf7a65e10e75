// `ktstr-run verifier [SPEC...] [--scheduler NAME] [--all-profiles]
// [--kernel K] [--baseline RUN]`: loads every declared sched_ext scheduler
// (under each flag profile with --all-profiles) in a small VM, through the
// run's own passes (verifier_sweep.h), then reads each struct_ops program's
// verified instruction count back from the run directory and prints them
// (verifier_table.h). docs/verifier.md is the manual.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "runner/run_command.h"

namespace ktstr {

/// Options of `verifier`.
struct VerifierOptions {
  std::vector<std::string> paths;       ///< SPEC files or directories; none = "."
  std::vector<std::string> schedulers;  ///< --scheduler NAME (repeatable); none = all
  bool all_profiles = false;      ///< --all-profiles: every flag profile, not only the plain one
  std::string kernel;             ///< --kernel; "" = KTSTR_KERNEL, [run] kernel, the cache's
  std::string accel;              ///< --accel
  std::string run_dir;            ///< --run-dir: parent of run directories
  std::string baseline;           ///< --baseline RUN: an earlier sweep to compare with
  int jobs = 0;                   ///< -j
  bool verbose = false;           ///< -v
  std::vector<std::string> argv;  ///< the command line, recorded in summary.json
};

/// Runs the sweep; returns 0 (every load passed), 1 (a load failed), 2
/// (usage or spec errors), 3 (no sched_ext kernel, no baseline run, a
/// host problem) or 130 (interrupted). The report goes to `out`, errors to `err`.
int run_verifier(const VerifierOptions& options, const LauncherFactory& make_launcher,
                 std::ostream& out, std::ostream& err);

/// Registers `verifier` on `app`.
void add_verifier_command(CLI::App& app, int& exit_code, const std::vector<std::string>& argv);

}  // namespace ktstr
