// Pretends to be built by a future SDK: same entry point, ABI version 999.
#include <ktstr/detail/abi.h>
#include <boost/dll/alias.hpp>

namespace {
const ktstr::detail::PluginManifest* future_entry() {
  static const ktstr::detail::PluginManifest manifest{ktstr::detail::kPluginMagic, 999, "9.9.9",
                                                      nullptr, 0};
  return &manifest;
}
}  // namespace

BOOST_DLL_ALIAS_SECTIONED(future_entry, ktstr_plugin_entry, ktstr)
