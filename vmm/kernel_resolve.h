// Which kernel(s) a run boots. Precedence: `--kernel PATH|DIR|LABEL`
// (repeatable) → $KTSTR_KERNEL (comma-separated) → ktstr.toml `[run] kernel`
// → the cache's default (newest sched_ext entry, else the prebuilt one).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "vmm/kernel_cache.h"

namespace ktstr {

/// The kernels of a run, or why there are none.
struct KernelResolution {
  std::vector<KernelInfo> kernels;  ///< in the order given; one for the default
  std::string origin;               ///< "--kernel", "KTSTR_KERNEL", "ktstr.toml", "cache default"
  std::string error;                ///< what is wrong and how to fix it
  /// True when at least one kernel was resolved and nothing failed.
  bool ok() const { return error.empty() && !kernels.empty(); }
};

/// Resolves the kernels of a run. `cli` are the --kernel values, `env` is
/// getenv("KTSTR_KERNEL") (may be null), `project` the ktstr.toml `[run] kernel`
/// values; relative project paths resolve against `project_dir`. Each value is a
/// cache label, a bzImage, a built tree (arch/x86/boot/bzImage + .config), or a
/// cache entry directory. `cache_root` is the kernel cache.
KernelResolution resolve_kernels(const std::vector<std::string>& cli, const char* env,
                                 const std::vector<std::string>& project,
                                 const std::filesystem::path& project_dir = {},
                                 const std::filesystem::path& cache_root = kernel_cache_root());

/// Resolves one value (label, image, tree or entry dir); sets `error` on failure.
KernelInfo resolve_kernel(const std::string& value, std::string* error,
                          const std::filesystem::path& cache_root = kernel_cache_root());

/// Describes a bzImage or a built tree that is not in the cache: finds its config
/// (neighbouring `.config`, `config`, `config-<release>`, else the embedded one),
/// System.map and vmlinux, and derives the features.
KernelInfo describe_user_kernel(const std::filesystem::path& path, std::string* error);

/// Test-name suffixes for the kernel dimension, one per kernel, unique within
/// the list: "kernel_6_12_117", "kernel_6_12_117_scx" (plus the label's hash part
/// or an index when two would collide).
std::vector<std::string> kernel_dimension_names(const std::vector<KernelInfo>& kernels);

/// The fix to print when no kernel is available.
std::string no_kernel_hint();

}  // namespace ktstr
