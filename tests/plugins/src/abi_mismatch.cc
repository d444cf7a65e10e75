// Pretends to be built by a future SDK: same entry point and scenario record
// section, ABI version 999.
#include <ktstr/detail/abi.h>
#include <boost/dll/alias.hpp>

namespace {
const ktstr::detail::PluginManifest* future_entry() {
  static const ktstr::detail::PluginManifest manifest{ktstr::detail::kPluginMagic, 999, "9.9.9",
                                                      nullptr, 0};
  return &manifest;
}
[[gnu::used, gnu::section(KTSTR_DETAIL_RECORD_SECTION)]] const char future_record[] =
    KTSTR_DETAIL_RECORD_MAGIC
    "\0"
    "999"
    "\0"
    "9.9.9"
    "\0"
    "future"
    "\0"
    "abi_mismatch.cc"
    "\0"
    "1"
    "\0"
    "";
}  // namespace

BOOST_DLL_ALIAS_SECTIONED(future_entry, ktstr_plugin_entry, ktstr)
