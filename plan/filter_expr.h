// -E EXPR: the filter expression language, like cargo-nextest's filtersets.
//
//   set        := test(M) | kernel(M) | scheduler(M) | file(M) | topology(M)
//               | preset(M) | profile(M) | host_only() | ignored() | all() | none()
//   M          := substr | =exact | /regex/ | ~substr      (default: substring)
//   expr       := set | not expr | !expr | expr and expr | expr & expr
//               | expr or expr | expr | expr | expr - expr | ( expr )
//
// Precedence: not > and/& > or/| ; `a - b` is `a & !b`. preset() and
// profile() match the gauntlet preset and flag profile names (empty for a
// plain test until the gauntlet exists). Parse errors name the column and
// what was expected, with a did-you-mean for a misspelled set name.
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
};

/// A parsed -E expression. Copyable (shares its immutable tree).
class FilterExpr {
 public:
  /// Parses `text`. On error returns nullopt and sets `error` to one line
  /// with the column: "-E 'tset(x)': col 1: unknown set 'tset' (did you mean 'test'?)".
  static std::optional<FilterExpr> parse(const std::string& text, std::string* error);
  /// True when `subject` is in the set.
  bool matches(const FilterSubject& subject) const;
  /// The source text.
  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

}  // namespace ktstr
