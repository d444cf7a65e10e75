// Host-side plugin handling for `check` and `plugins`: where plugins are
// searched, how a name becomes a path, and inspection of a plugin's scenarios
// without running any of them. Every failure is a value carrying a message
// that names the path and the fix.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// The plugin search path, in order: the spec's own directory, ktstr.toml
/// [run] plugin_path (already resolved against ktstr.toml's directory),
/// --plugin-path, KTSTR_PLUGIN_PATH (colon-separated; `env_value` may be
/// null), then the default dirs (this build's plugins dir and the installed
/// one). Empty entries and repeats are dropped.
std::vector<std::filesystem::path> plugin_search_dirs(
    const std::filesystem::path& spec_dir,
    const std::vector<std::filesystem::path>& project_plugin_path,
    const std::vector<std::filesystem::path>& cli_dirs, const char* env_value);

/// The program's own plugin dir: <dir of the binary>/../lib/ktstr/plugins when
/// it exists (installed layout), else <build>/plugins when the running binary
/// is inside a build tree (runner/install_paths.h).
std::vector<std::filesystem::path> default_plugin_dirs();

/// The outcome of resolving a plugin name or path.
struct PluginLookup {
  std::filesystem::path path;                ///< found file (absolute), empty on error
  std::vector<std::filesystem::path> tried;  ///< every candidate looked at, in order
  std::string error;                         ///< "" on success
  bool ok() const { return error.empty(); }
};

/// Resolves a spec's `plugin = VALUE`. A value containing '/' or ending in
/// ".so" is a path relative to `spec_dir`; otherwise NAME is looked up as
/// libktstr_NAME.so, then NAME.so, in each of `dirs`.
PluginLookup resolve_plugin(std::string_view value, const std::filesystem::path& spec_dir,
                            const std::vector<std::filesystem::path>& dirs);

/// One scenario a plugin registered.
struct ScenarioInfo {
  std::string name;
  std::string file;
  int line = 0;
  std::string description;
};

/// What inspecting a plugin found. On error, `error` says what and how to fix,
/// and `kind` is a stable id: "not-found", "not-a-plugin", "missing-dependency"
/// and "load-failed" (only when loading), "abi-mismatch", "no-scenarios",
/// "duplicate-scenario".
struct PluginInfo {
  std::filesystem::path path;
  unsigned abi = 0;         ///< the plugin's ABI version (0 if unknown)
  std::string sdk_version;  ///< SDK version the plugin was built with
  std::vector<ScenarioInfo> scenarios;
  std::string kind;
  std::string error;
  bool ok() const { return error.empty(); }
  /// The scenario named `name`, or nullptr.
  const ScenarioInfo* find(std::string_view name) const;
};

/// How deep inspect_plugin() looks.
enum class PluginInspection {
  kReadOnly,  ///< read the file only: no code of the plugin runs (the default)
  kLoad,      ///< also dlopen it (runs its static constructors): finds missing libraries
};

/// Lists a plugin's scenarios: reads its ELF sections to check it is a ktstr
/// plugin and, by default, the scenario records KTSTR_SCENARIO wrote there;
/// no code of the plugin runs. With kLoad it dlopens the plugin instead
/// (static initialisers register scenarios) and calls the entry point, which
/// only returns the registry. No scenario function is ever called.
PluginInfo inspect_plugin(const std::filesystem::path& path,
                          PluginInspection how = PluginInspection::kReadOnly);

/// "" when `info` has a scenario named `scenario`, else an error naming the
/// plugin, with a did-you-mean and the list of available scenarios.
std::string check_scenario(const PluginInfo& info, std::string_view scenario);

/// inspect_plugin() with a cache keyed by canonical path, for `check`, which
/// may reference one plugin from many tests.
class PluginInspector {
 public:
  /// An inspector whose every inspection is `how` deep.
  explicit PluginInspector(PluginInspection how = PluginInspection::kReadOnly) : how_(how) {}
  /// inspect_plugin(path, how), computed once per canonical path.
  const PluginInfo& inspect(const std::filesystem::path& path);

 private:
  PluginInspection how_;
  std::map<std::filesystem::path, PluginInfo> cache_;
};

/// Splits a colon-separated path list (KTSTR_PLUGIN_PATH), dropping empty parts.
std::vector<std::filesystem::path> split_path_list(std::string_view text);

}  // namespace ktstr
