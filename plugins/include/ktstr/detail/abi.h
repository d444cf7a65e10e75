// The binary contract between a plugin .so and the programs that load it
// (ktstr-run on the host, ktstr-agent in the guest). Bump kPluginAbiVersion on
// any incompatible change of the types in ktstr/detail/ (Ctx's virtuals, value
// type layouts, ScenarioEntry, PluginManifest past its first two fields).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ktstr {

class Ctx;
struct AssertResult;

/// kPluginAbiVersion as a string literal, for the scenario records below.
#define KTSTR_DETAIL_ABI_STRING "2"

/// The plugin ABI version this SDK builds plugins for and loaders accept.
inline constexpr std::uint32_t kPluginAbiVersion = 2;
static_assert(sizeof(KTSTR_DETAIL_ABI_STRING) == 2 &&
                  KTSTR_DETAIL_ABI_STRING[0] - '0' == kPluginAbiVersion,
              "KTSTR_DETAIL_ABI_STRING must spell kPluginAbiVersion");

/// kSdkVersion as a string literal, for the scenario records below.
#define KTSTR_DETAIL_SDK_VERSION_STRING "0.1.0"

/// The SDK (package) version, recorded in every plugin for diagnostics.
inline constexpr const char* kSdkVersion = KTSTR_DETAIL_SDK_VERSION_STRING;

namespace detail {

/// Name of the one exported entry point (a Boost.DLL alias).
inline constexpr const char* kPluginEntryName = "ktstr_plugin_entry";
/// The ELF section holding that alias (Boost.DLL: at most 8 characters).
inline constexpr const char* kPluginSectionName = "ktstr";
/// The ELF section holding one scenario record per KTSTR_SCENARIO, read by
/// the host without loading the plugin. A record is seven NUL-terminated
/// strings: KTSTR_DETAIL_RECORD_MAGIC, ABI version, SDK version, name, file,
/// line, description.
/// The compiler may pad between records with NUL bytes.
#define KTSTR_DETAIL_RECORD_SECTION ".ktstr.scenarios"
/// First string of every scenario record.
#define KTSTR_DETAIL_RECORD_MAGIC "ktstr-scenario"
/// First word of every manifest: tells a ktstr manifest from anything else.
inline constexpr std::uint32_t kPluginMagic = 0x6b747374;  // "ktst"

/// The signature of a scenario body.
using ScenarioFn = AssertResult (*)(Ctx&);

/// One registered scenario. Strings live as long as the plugin is loaded.
struct ScenarioEntry {
  const char* name;
  const char* file;
  int line;
  const char* description;  ///< "" when none was given
  ScenarioFn fn;
};

/// What the entry point returns. `magic` and `abi_version` never move, so any
/// loader can read them from any plugin; the rest is valid only when
/// abi_version == kPluginAbiVersion.
struct PluginManifest {
  std::uint32_t magic;
  std::uint32_t abi_version;
  const char* sdk_version;
  const ScenarioEntry* scenarios;
  std::size_t scenario_count;
};

/// The entry point's signature.
using PluginEntryFn = const PluginManifest*();

}  // namespace detail
}  // namespace ktstr
