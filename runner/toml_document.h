// A parsed TOML file as JSON (what the schema validates and the resolver reads),
// with the source position of every key and value, indexed by JSON pointer.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runner/diagnostic.h"
#include "runner/source_pos.h"

namespace ktstr {

/// Where one value sits in the file, and what TOML type it had.
struct ValueLocation {
  SourcePos key;    ///< the key's position (for array elements: the value's)
  SourcePos value;  ///< the value's position
  int key_len = 1;  ///< length of the key text, for the caret
  std::string
      toml_type;  ///< "string", "integer", "float", "boolean", "table", "array", "date", ...
};

/// One TOML file converted to JSON.
struct TomlDocument {
  std::string file;  ///< the path as shown in messages
  std::string text;  ///< the file's text
  nlohmann::json root = nlohmann::json::object();
  std::map<std::string, ValueLocation> locations;  ///< key: JSON pointer ("/test/a/checks")

  /// The location of `pointer`, or of its nearest ancestor that has one.
  ValueLocation locate(const std::string& pointer) const;
  /// Position of the key at `pointer` (nearest ancestor if unknown).
  SourcePos key_pos(const std::string& pointer) const { return locate(pointer).key; }
  /// Position of the value at `pointer` (nearest ancestor if unknown).
  SourcePos value_pos(const std::string& pointer) const { return locate(pointer).value; }
};

/// How deep tables, arrays and dotted keys may nest in a spec file.
inline constexpr int kMaxNestingDepth = 64;
/// The longest key, in bytes.
inline constexpr size_t kMaxKeyBytes = 1024;
/// The longest string value, in bytes (`config` excepted).
inline constexpr size_t kMaxStringBytes = 8192;
/// The longest `config` text, in bytes.
inline constexpr size_t kMaxTextBytes = 65536;

/// Parses TOML text. Syntax errors, nesting deeper than kMaxNestingDepth, keys
/// and strings over their caps, and values JSON cannot hold (nan, inf) go to
/// `diags`; returns nullopt only when the text could not be parsed at all.
std::optional<TomlDocument> parse_toml(const std::string& file, const std::string& text,
                                       Diagnostics& diags);

/// Escapes one JSON-pointer reference token ('~' -> "~0", '/' -> "~1").
std::string pointer_escape(const std::string& token);
/// Joins a pointer and a token: pointer_join("/test", "a") == "/test/a".
std::string pointer_join(const std::string& pointer, const std::string& token);

}  // namespace ktstr
