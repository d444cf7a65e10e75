// Scenario registration inside one plugin. Each KTSTR_SCENARIO defines a
// static Registrar whose constructor appends to this plugin's registry; the
// entry point (a Boost.DLL alias in section "ktstr") hands the registry out.
//
// Every symbol here has hidden visibility so that two plugins loaded in one
// process never share a registry (a default-visibility inline static would be
// an STB_GNU_UNIQUE symbol, unified across all loaded objects). The alias
// itself is exported explicitly, so -fvisibility=hidden plugins still work.
// The alias is a weak definition: every translation unit that includes
// ktstr/scenario.h emits the same one and the linker keeps one.
#pragma once

#include <vector>

#include <boost/dll/alias.hpp>

#include "ktstr/detail/abi.h"

namespace ktstr::detail {

/// This plugin's scenarios, in registration order.
[[gnu::visibility("hidden")]] inline std::vector<ScenarioEntry>& plugin_registry() {
  static std::vector<ScenarioEntry> entries;
  return entries;
}

/// Registers one scenario at static-initialisation time.
struct [[gnu::visibility("hidden")]] Registrar{Registrar(
    const char* name, const char* file, int line, const char* description,
    ScenarioFn fn){plugin_registry().push_back(ScenarioEntry{name, file, line, description, fn});
}  // namespace ktstr::detail
}
;

/// The plugin's entry point: returns the manifest. Runs no scenario code.
[[gnu::visibility("hidden")]] inline const PluginManifest* plugin_entry() {
  static PluginManifest manifest;
  const auto& entries = plugin_registry();
  manifest =
      PluginManifest{kPluginMagic, kPluginAbiVersion, kSdkVersion, entries.data(), entries.size()};
  return &manifest;
}

}  // namespace ktstr::detail

BOOST_DLL_ALIAS_SECTIONED(ktstr::detail::plugin_entry, ktstr_plugin_entry, ktstr)
