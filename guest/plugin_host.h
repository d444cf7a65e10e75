// The agent's half of plugins: load a plugin .so, find a scenario, call it
// with a Ctx&. Loading repeats the host's checks (ABI, magic, duplicates)
// because the guest must never call into a plugin it cannot trust the layout of.
#pragma once

#include <ktstr/detail/abi.h>
#include <ktstr/detail/ctx.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// A loaded plugin; dlclose'd on destruction.
class LoadedPlugin {
 public:
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  /// Loads `path` and validates its manifest. On failure returns nullptr and
  /// sets `error` (what failed, the path, and the fix).
  static std::unique_ptr<LoadedPlugin> load(const std::string& path, std::string& error);

  /// The scenario named `name`, or nullptr.
  const detail::ScenarioEntry* find(std::string_view name) const;
  /// Every scenario name, in registration order.
  std::vector<std::string> names() const;
  const std::string& path() const { return path_; }

 private:
  LoadedPlugin() = default;
  std::string path_;
  void* handle_ = nullptr;
  const detail::PluginManifest* manifest_ = nullptr;
};

/// Calls a scenario. A thrown exception becomes a failed result whose detail
/// names the scenario, the exception type and its what() text.
AssertResult call_scenario(const detail::ScenarioEntry& entry, Ctx& ctx);

}  // namespace ktstr
