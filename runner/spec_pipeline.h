// load -> schema -> catalog -> rules -> resolve -> plugin check: the spec
// stages shared by check, list, explain and run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"
#include "runner/spec_loader.h"
#include "runner/test_resolver.h"

namespace ktstr {

/// Options shared by every command that reads specs.
struct SpecOptions {
  std::vector<std::string> paths;
  std::vector<std::string> sets;          ///< --set KEY=VALUE
  std::vector<std::string> plugin_paths;  ///< --plugin-path
  bool check_plugins = true;
  bool load_plugins = false;  ///< --load: dlopen plugins on the host (runs their code)
};

/// Everything the spec stages produced. `set` is heap-held so pointers into it stay valid.
struct LoadedSpecs {
  std::unique_ptr<SpecSet> set;
  Catalog catalog;
  std::vector<ResolvedTest> tests;
  Diagnostics diags;
  bool ok() const { return diags.empty(); }
};

/// Runs every spec stage and collects every problem.
LoadedSpecs load_and_resolve(const SpecOptions& options);

/// Prints the diagnostics to stderr (text, or JSON with `json`).
void report_diagnostics(const LoadedSpecs& specs, bool json);

}  // namespace ktstr
