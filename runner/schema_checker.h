// Validates spec documents against the JSON Schema (valijson, draft-07) and
// rewords valijson's errors for a reviewer: each one mapped back to the TOML
// key or value it concerns, naming the rule broken, with did-you-mean hints.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/toml_document.h"

namespace ktstr {

/// The longest name of a test, scheduler, payload, preset or cgroup (the
/// schema's name patterns say the same): a test name becomes a directory name.
inline constexpr size_t kMaxNameLength = 128;

/// The spec schema compiled into the binary (schema/ktstr-spec.schema.json).
extern const std::string_view kSpecSchemaText;

/// A compiled schema plus the knowledge needed to explain its errors.
class SchemaChecker {
 public:
  /// Compiles `schema_text`. On failure returns nullptr and sets `error`.
  static std::unique_ptr<SchemaChecker> create(std::string_view schema_text, std::string& error);
  /// The checker for the built-in spec schema (compiled once, then shared).
  static const SchemaChecker& spec();
  ~SchemaChecker();

  /// Validates the whole document; appends one diagnostic per problem.
  void check(const TomlDocument& doc, Diagnostics& diags) const;

  /// Validates `value` as if it were at `pointer` (e.g. "/test/x/checks/max_gap_ms")
  /// of a document; returns the reworded problems (empty when valid). `label`
  /// names the value in messages.
  std::vector<std::string> check_value(const std::string& pointer,
                                       const nlohmann::json& value) const;

  /// The subschema describing the instance at `pointer` of `root` (following
  /// properties, additionalProperties, items, $ref, and the oneOf branch that
  /// matches the instance's type), or nullptr.
  const nlohmann::json* schema_at(const nlohmann::json& root, const std::string& pointer) const;

  /// The property names the schema allows for the object at `pointer`.
  std::vector<std::string> allowed_keys(const nlohmann::json& root,
                                        const std::string& pointer) const;

  /// The raw schema document.
  const nlohmann::json& schema() const;

  /// Implementation detail (public only so the .cc's helpers can name it).
  struct Impl;

 private:
  explicit SchemaChecker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A TOML-style dotted name for a JSON pointer: "/test/a/cgroup/1/work" ->
/// "test.a.cgroup[1].work".
std::string toml_path(const std::string& pointer);

}  // namespace ktstr
