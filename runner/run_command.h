// `ktstr-run [run] PATH...`: plan, prepare, execute (launch + evaluate) and
// report every selected test; see run_command.cc for the passes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "runner/run_options.h"
#include "vmm/initramfs.h"
#include "vmm/vm_request.h"

namespace ktstr {

/// Makes the run's VM launcher once the base initramfs is known (tests pass a fake).
using LauncherFactory = std::function<std::unique_ptr<VmLauncher>(const BaseInitramfs& base)>;

/// Registers `run` (also the default when the first argument is a path);
/// `argv` is the command line, recorded in summary.json.
void add_run_command(CLI::App& app, int& exit_code, const std::vector<std::string>& argv = {});

/// Runs the tests with launchers from `make_launcher`; returns the exit code.
int run_tests(const RunOptions& options, const LauncherFactory& make_launcher);

/// The same with one launcher the caller owns (tests), called from every executor thread.
int run_tests(const RunOptions& options, VmLauncher& launcher);

}  // namespace ktstr
