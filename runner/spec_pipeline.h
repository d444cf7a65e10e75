// load -> schema -> catalog -> rules -> resolve -> plugin check -> pre-boot:
// the spec stages shared by check, list, explain and run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"
#include "runner/spec_loader.h"
#include "runner/test_resolver.h"
#include "vmm/kernel_resolve.h"

namespace ktstr {

/// Options shared by every command that reads specs.
struct SpecOptions {
  std::vector<std::string> paths;
  std::vector<std::string> sets;          ///< --set KEY=VALUE
  std::vector<std::string> plugin_paths;  ///< --plugin-path
  bool check_plugins = true;
  /// Also run the pre-boot pass (check and run): resolve the run's kernels and
  /// refuse what a VM run would refuse (preboot_check.h).
  bool check_preboot = false;
  std::vector<std::string> kernels;  ///< --kernel (run only)
  bool load_plugins = false;         ///< --load: dlopen plugins on the host (runs their code)
};

/// Everything the spec stages produced. `set` is heap-held so pointers into it stay valid.
struct LoadedSpecs {
  std::unique_ptr<SpecSet> set;
  Catalog catalog;
  std::vector<ResolvedTest> tests;
  /// The run's kernels (with check_preboot); a failure here is not a spec error.
  KernelResolution kernels;
  Diagnostics diags;
  bool ok() const { return diags.empty(); }
};

/// Runs every spec stage and collects every problem.
LoadedSpecs load_and_resolve(const SpecOptions& options);

/// Prints the diagnostics to stderr (text, or JSON with `json`).
void report_diagnostics(const LoadedSpecs& specs, bool json);

}  // namespace ktstr
