// A kernel's .config as data: parsing, the features the runner cares about,
// extraction of the config embedded in a bzImage (IKCONFIG), and the check that
// a config fragment survived `make olddefconfig`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// The value of a tristate option.
enum class Tristate { kNo, kModule, kYes };

/// "y", "m" or "n".
const char* tristate_name(Tristate t);

/// A parsed .config: option name without the CONFIG_ prefix → raw value
/// ("y", "m", "256", "\"str\""). Options that are "not set" are absent.
struct KernelConfig {
  std::map<std::string, std::string> values;
  /// y/m/n of an option (absent or any other value → kNo, except "y"/"m").
  Tristate tristate(const std::string& name) const;
  /// True when the option is y.
  bool enabled(const std::string& name) const { return tristate(name) == Tristate::kYes; }
  /// The raw value, or "" when unset.
  std::string value(const std::string& name) const;
};

/// Parses .config text. Unknown lines are ignored; `# CONFIG_X is not set` leaves X absent.
KernelConfig parse_kernel_config(std::string_view text);

/// Reads and parses a .config file; nullopt (and `error`) when it cannot be read.
std::optional<KernelConfig> load_kernel_config(const std::filesystem::path& path,
                                               std::string* error = nullptr);

/// What the runner needs to know about a kernel, from its config.
struct KernelFeatures {
  bool sched_ext = false;                   ///< CONFIG_SCHED_CLASS_EXT=y
  Tristate virtio_console = Tristate::kNo;  ///< the fast agent channel (y: no modules)
  bool virtio_pci = false;                  ///< CONFIG_VIRTIO_PCI=y
  bool btf = false;                         ///< CONFIG_DEBUG_INFO_BTF=y
  bool ikconfig = false;                    ///< the config is embedded in the image
  bool jump_label = false;                  ///< CONFIG_JUMP_LABEL=y: code patched at run time
  unsigned hz = 0;                          ///< CONFIG_HZ (0 = unset or not a number)
};

/// Derives the features from a config.
KernelFeatures kernel_features(const KernelConfig& config);

/// The config embedded in a bzImage (CONFIG_IKCONFIG): finds the compressed payload
/// (gzip, zstd, lz4, xz), decompresses it with the matching tool, and gunzips the
/// IKCFG_ST..IKCFG_ED block. nullopt when the image has none (Debian's kernels do not).
/// Costs one decompression of the image (~0.2-0.5 s); callers try a neighbouring
/// config file first.
std::optional<std::string> extract_embedded_config(const std::filesystem::path& bzimage);

/// One `CONFIG_X=value` or `# CONFIG_X is not set` line of a config fragment.
struct FragmentOption {
  std::string name;    ///< without CONFIG_
  std::string value;   ///< "n" for "is not set"
  int line = 0;        ///< 1-based line in the fragment
  std::string reason;  ///< the comment line right above it, if any
};

/// Parses a fragment; other lines (comments, blanks) are skipped.
std::vector<FragmentOption> parse_config_fragment(std::string_view text);

/// A fragment option whose final value differs from the requested one.
struct MissingOption {
  FragmentOption wanted;
  std::string got;  ///< final value ("n" when unset)
  std::string
      why;  ///< e.g. "needs DEBUG_INFO_BTF, which needs pahole >= 1.16 (PAHOLE_VERSION is 0)"
};

/// Dependencies of Kconfig symbols: symbol → the `depends on` expressions of its
/// definitions. Built from a source tree's Kconfig files (only when a check failed).
using KconfigDeps = std::map<std::string, std::vector<std::string>>;

/// Reads every Kconfig file under `source_tree` and collects `depends on` lines.
KconfigDeps load_kconfig_deps(const std::filesystem::path& source_tree);

/// Compares the final config against the fragment: every option must have the
/// requested value ("n" means absent or "n"). For each failure, `why` names the
/// dependencies (from `deps`, followed up to 3 levels) that are not satisfied.
std::vector<MissingOption> verify_config_fragment(const std::vector<FragmentOption>& fragment,
                                                  const KernelConfig& final_config,
                                                  const KconfigDeps& deps = {});

/// One line per missing option, e.g. "CONFIG_SCHED_CLASS_EXT=y (got n): needs ...".
std::string describe_missing(const std::vector<MissingOption>& missing);

}  // namespace ktstr
