// Spec errors: collected across every file, then rendered once, grouped and
// capped, as text for people (file:line:col, source line, caret) or JSON for tools.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runner/source_pos.h"

namespace ktstr {

/// A secondary place that explains an error ("first defined here").
struct DiagnosticNote {
  SourcePos pos;
  std::string message;
};

/// One problem found in the specs.
struct Diagnostic {
  std::string rule;     ///< stable id: "unknown-key", "type", "range", "duplicate-name", ...
  SourcePos pos;        ///< where; line 0 when there is no position (command line)
  std::string message;  ///< what is wrong and which rule it breaks
  int span = 1;         ///< caret width in columns
  std::vector<DiagnosticNote> notes;
  std::string help;  ///< how to fix it, when not obvious from the message
};

/// An ordered collection of diagnostics from every stage of loading.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  /// Shorthand for add() with the common fields.
  void error(std::string rule, SourcePos pos, std::string message, int span = 1,
             std::string help = {});
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& all() const { return items_; }
  /// Orders by file (first-seen order), line and column; drops exact repeats.
  void sort_and_dedupe();

 private:
  std::vector<Diagnostic> items_;
};

/// The text of every loaded file, so messages can quote the offending line.
class SourceCache {
 public:
  void add(const std::string& file, const std::string& text);
  /// Line `n` (1-based) of `file`, or nullptr.
  const std::string* line(const std::string& file, int n) const;

 private:
  std::map<std::string, std::vector<std::string>> lines_;
};

/// The widest source excerpt shown under a message, in columns; longer lines
/// are cut around the caret and marked with "...".
inline constexpr size_t kMaxExcerptColumns = 160;
/// The longest message, note or help printed, in bytes; longer ones keep their
/// start and end with the middle cut out.
inline constexpr size_t kMaxMessageBytes = 1024;

/// A source line prepared for display under a message.
struct Excerpt {
  std::string text;    ///< printable: control and non-UTF-8 bytes shown as '?'
  int caret_col = 1;   ///< 1-based column of the caret within `text`
  int caret_span = 1;  ///< caret width in columns
};

/// At most kMaxExcerptColumns of `line` around column `col` (1-based), with the
/// caret moved to match.
Excerpt make_excerpt(std::string_view line, int col, int span);

/// `message` with control bytes escaped (\n, \x1b) and cut to kMaxMessageBytes.
std::string cap_message(std::string_view message);

/// How to render diagnostics as text.
struct RenderOptions {
  bool color = false;
  size_t max_per_rule = 8;  ///< beyond this, one "... and N more" line per rule
  size_t max_total = 60;
};

/// Human-readable rendering with source lines and carets, ending in a summary line.
std::string render_text(const Diagnostics& diags, const SourceCache& sources,
                        const RenderOptions& options);

/// {"errors":[{"rule","file","line","col","message","notes":[...],"help"}], "count": N}
nlohmann::json render_json(const Diagnostics& diags);

}  // namespace ktstr
