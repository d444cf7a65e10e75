// `ktstr-run [run] PATH...`: boot one VM per test and report its verdict.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "runner/spec_pipeline.h"
#include "vmm/vm_request.h"

namespace ktstr {

/// Options of a run.
struct RunOptions {
  SpecOptions specs;
  std::vector<std::string> kernels;  ///< --kernel (repeatable)
  std::string accel = "auto";
  std::vector<std::string> filters;  ///< substrings of test names
  bool run_ignored = false;
  bool verbose = false;
  std::string run_dir;  ///< parent of per-run directories (default ktstr-runs)
};

/// Registers `run` (also the default when the first argument is a path).
void add_run_command(CLI::App& app, int& exit_code);

/// Runs the tests with `launcher`; returns the exit code.
int run_tests(const RunOptions& options, VmLauncher& launcher);

/// Runs the tests in QEMU (QemuVmLauncher over the run's base initramfs).
int run_tests(const RunOptions& options);

}  // namespace ktstr
