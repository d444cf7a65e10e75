// Where something is in a spec file: the anchor of every diagnostic and of
// every value's provenance.
#pragma once

#include <string>

namespace ktstr {

/// A 1-based position in a source file. line == 0 means "no position" (for
/// example a value that came from the command line or a built-in default).
struct SourcePos {
  std::string file;
  int line = 0;
  int col = 0;

  bool known() const { return line > 0; }
  /// "file:line:col", "file:line" when col is 0, or "file" when line is 0.
  std::string str() const;
  /// "file:line", the short form used in provenance ("ktstr.toml:4").
  std::string file_line() const;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

}  // namespace ktstr
