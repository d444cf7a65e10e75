// The merge chain (SPEC.md): built-in defaults -> ktstr.toml [defaults] -> the
// scheduler's settings -> the file's [defaults] -> the test -> --set. Last set
// value wins, field by field, and every value remembers where it came from.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "runner/diagnostic.h"
#include "runner/flag_profiles.h"
#include "runner/spec_catalog.h"

namespace ktstr {

/// Where a merged value came from.
struct Origin {
  enum class Layer { kBuiltin, kDerived, kProject, kScheduler, kFileDefaults, kTest, kCommandLine };
  Layer layer = Layer::kBuiltin;
  std::string label;  ///< scheduler name, or the --set text
  SourcePos pos;
  /// "built-in", "project (ktstr.toml:4)", "scheduler simple (a.toml:14)",
  /// "file [defaults] (a.toml:30)", "test (a.toml:44)", "--set max_gap_ms=500".
  std::string describe() const;
  static const char* layer_name(Layer l);
};

/// One merged value.
struct Setting {
  nlohmann::json value;
  Origin origin;
};

/// A --set KEY=VALUE override from the command line.
struct SetOverride {
  std::string key;  ///< dotted setting key ("checks.max_gap_ms", "duration_s")
  nlohmann::json value;
  std::string text;  ///< as typed
};

/// Parses "--set" arguments; errors name the argument and the broken rule.
std::vector<SetOverride> parse_set_overrides(const std::vector<std::string>& args,
                                             Diagnostics& diags);

/// A test with every setting merged.
struct ResolvedTest {
  std::string name;       ///< spec name
  std::string full_name;  ///< "ktstr/NAME"
  const Entity* entity = nullptr;
  std::map<std::string, Setting> settings;  ///< dotted keys: "duration_s", "checks.max_gap_ms"
  /// The flag profiles it runs with (flag_profiles.h): one empty profile for
  /// a scheduler without flags; never empty for a test without errors.
  std::vector<FlagProfile> profiles{FlagProfile{}};

  const Setting* get(const std::string& key) const;
  /// The merged value or `fallback`.
  template <typename T>
  T value_or(const std::string& key, T fallback) const {
    const Setting* s = get(key);
    if (!s || s->value.is_null()) return fallback;
    try {
      return s->value.get<T>();
    } catch (...) {
      return fallback;
    }
  }
  TopologySpec topology() const;
  /// Where a key's value came from, or the test's own position.
  SourcePos pos_of(const std::string& key) const;
  /// The merged settings as one nested JSON object.
  nlohmann::json tree() const;
};

/// The derived timeout_s of a test that sets none: 90 s + 2 x duration_s +
/// 4 s per vCPU, rounded up (the plan derives it again per instance topology).
double derived_timeout_s(double duration_s, int vcpus);
/// How derived_timeout_s() is computed, as explain and results say it.
inline constexpr const char* kDerivedTimeoutRule = "90 s + 2 x duration_s + 4 s per vCPU";

/// Resolves every test of the catalog; rule violations of merged values go to `diags`.
std::vector<ResolvedTest> resolve_tests(const Catalog& catalog,
                                        const std::vector<SetOverride>& overrides,
                                        Diagnostics& diags);

}  // namespace ktstr
