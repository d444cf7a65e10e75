// `ktstr-run kernel list|fetch|build|clean`: the kernel cache from the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "vmm/kernel_cache.h"

namespace ktstr {

/// Registers `kernel` with its subcommands on `app`. When one runs, `exit_code`
/// is set: 0 ok, 2 usage (kExitUsage), 3 infrastructure failure (kExitInfra),
/// 130 interrupted.
void add_kernel_command(CLI::App& app, int& exit_code);

/// `kernel list [--json]`: label, version, sched_ext, source, size of every entry.
int run_kernel_list(bool json, std::ostream& out,
                    const std::filesystem::path& root = kernel_cache_root());

/// `kernel clean [LABEL...] [--all] [--work]`: removes entries (refusing those in use)
/// and, with --work, the build work area.
int run_kernel_clean(const std::vector<std::string>& labels, bool all, bool work, std::ostream& out,
                     std::ostream& err, const std::filesystem::path& root = kernel_cache_root());

/// The project's config fragment: share/ktstr/kernel/ktstr-sched-ext.config of
/// the installed or build tree (runner/install_paths.h; KTSTR_DATA_DIR overrides).
std::filesystem::path default_config_fragment();

}  // namespace ktstr
