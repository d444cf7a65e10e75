// -E EXPR: the filter expression language, like cargo-nextest's filtersets.
//
//   set        := test(M) | kernel(M) | scheduler(M) | file(M) | topology(M)
//               | preset(M) | profile(M) | host_only() | ignored() | all() | none()
//   M          := substr | =exact | /regex/ | ~substr      (default: substring)
//   expr       := set | not expr | !expr | expr and expr | expr & expr
//               | expr or expr | expr | expr | expr - expr | ( expr )
//
// Precedence: not > and/& > or/| ; `a - b` is `a & !b` (the level of and),
// all binary operators associate to the left. preset() and profile() match
// the gauntlet preset and flag profile names (empty for a plain test until
// the gauntlet exists, so only matchers that accept "" match it: `=`, or a
// regex like /^$/). Parse errors name the column and what was expected, with
// a did-you-mean for a misspelled set name. docs/filtering.md is the manual.
//
// What each set reads: test() the full name with and without the kernel
// suffix ("ktstr/fair/kernel_6_12_117" and "ktstr/fair"), kernel() the
// kernel's label or its name suffix, scheduler() the scheduler name
// ("eevdf", "simple"), file() the spec file path as loaded, topology() the
// "1n2l2c1t" string.
//
// A matcher is the text up to the closing ')', without quotes, leading and
// trailing spaces trimmed; a backslash takes the next character literally
// (`test(a\)b)`). A regex runs from its '/' to the next unescaped '/' (`\/`
// is a slash), is ECMAScript (std::regex) and matches anywhere in the value
// (regex_search); anchor it with ^ and $. Empty substrings and regexes are
// parse errors (they would match everything); `=` alone matches "" exactly.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "plan/test_instance.h"

namespace ktstr {

/// What an expression is matched against: one instance and its kernel label.
struct FilterSubject {
  const TestInstance* instance = nullptr;
  std::string kernel_label;
  std::string kernel_dimension;  ///< the name suffix ("kernel_6_12_117"); kernel() matches either
};

/// A parsed -E expression. Copyable (shares its immutable tree).
class FilterExpr {
 public:
  /// Parses `text`. On error returns nullopt and sets `error` to one line
  /// with the column: "-E 'tset(x)': col 1: unknown set 'tset' (did you mean 'test'?)".
  static std::optional<FilterExpr> parse(const std::string& text, std::string* error);
  /// True when `subject` is in the set (false for a default-constructed one).
  bool matches(const FilterSubject& subject) const;
  /// The source text.
  const std::string& text() const { return text_; }

  /// The parsed tree (defined in filter_expr.cc).
  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

}  // namespace ktstr
