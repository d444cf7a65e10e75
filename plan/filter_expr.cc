// The -E parser is recursive descent over one grammar level per precedence
// (or -> and/- -> not -> primary), reading characters directly: the only
// tokens are words, the operators ! & | - and parentheses, and a set's
// matcher, which is raw text up to its ')' and so cannot be tokenised like
// the rest. Every error is reported at the first offending character, as a
// 1-based column into the expression, and parsing stops there.
#include "plan/filter_expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <string_view>
#include <vector>

#include "runner/edit_distance.h"

namespace ktstr {

namespace {

enum class SetKind {
  kTest,
  kKernel,
  kScheduler,
  kFile,
  kTopology,
  kPreset,
  kProfile,
  kHostOnly,
  kIgnored,
  kAll,
  kNone
};

struct SetName {
  std::string_view name;
  SetKind kind;
  bool takes_matcher;
};

constexpr std::array<SetName, 11> kSets = {{
    {"test", SetKind::kTest, true},
    {"kernel", SetKind::kKernel, true},
    {"scheduler", SetKind::kScheduler, true},
    {"file", SetKind::kFile, true},
    {"topology", SetKind::kTopology, true},
    {"preset", SetKind::kPreset, true},
    {"profile", SetKind::kProfile, true},
    {"host_only", SetKind::kHostOnly, false},
    {"ignored", SetKind::kIgnored, false},
    {"all", SetKind::kAll, false},
    {"none", SetKind::kNone, false},
}};

const SetName* find_set(std::string_view word) {
  for (const auto& s : kSets)
    if (s.name == word) return &s;
  return nullptr;
}

std::vector<std::string> set_names() {
  std::vector<std::string> out;
  for (const auto& s : kSets) out.emplace_back(s.name);
  return out;
}

struct Matcher {
  enum class Kind { kSubstring, kExact, kRegex };
  Kind kind = Kind::kSubstring;
  std::string text;
  std::regex regex;

  bool matches(const std::string& value) const {
    switch (kind) {
      case Kind::kSubstring:
        return value.find(text) != std::string::npos;
      case Kind::kExact:
        return value == text;
      case Kind::kRegex:
        return std::regex_search(value, regex);
    }
    return false;
  }
};

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

struct FilterExpr::Node {
  enum class Op { kSet, kNot, kAnd, kOr };
  Op op = Op::kSet;
  SetKind set = SetKind::kAll;
  Matcher matcher;
  std::shared_ptr<const Node> lhs, rhs;  ///< kNot uses lhs only

  bool eval(const FilterSubject& s) const {
    switch (op) {
      case Op::kNot:
        return !lhs->eval(s);
      case Op::kAnd:
        return lhs->eval(s) && rhs->eval(s);
      case Op::kOr:
        return lhs->eval(s) || rhs->eval(s);
      case Op::kSet:
        return eval_set(s);
    }
    return false;
  }

  bool eval_set(const FilterSubject& s) const {
    const TestInstance* i = s.instance;
    switch (set) {
      case SetKind::kAll:
        return true;
      case SetKind::kNone:
        return false;
      case SetKind::kHostOnly:
        return i && i->host_only;
      case SetKind::kIgnored:
        return i && i->ignored;
      case SetKind::kKernel:
        return matcher.matches(s.kernel_label) || matcher.matches(s.kernel_dimension);
      case SetKind::kPreset:
        return matcher.matches(i ? i->preset : "");
      case SetKind::kProfile:
        return matcher.matches(i ? i->profile : "");
      default:
        break;
    }
    if (!i) return false;
    switch (set) {
      case SetKind::kTest:
        return matcher.matches(i->name) || (i->test && matcher.matches(i->test->full_name));
      case SetKind::kScheduler:
        return matcher.matches(i->scheduler);
      case SetKind::kFile:
        return i->test && i->test->entity && matcher.matches(i->test->entity->pos.file);
      case SetKind::kTopology:
        return matcher.matches(i->topology.str());
      default:
        return false;
    }
  }
};

namespace {

using NodePtr = std::shared_ptr<const FilterExpr::Node>;
using Node = FilterExpr::Node;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  /// The whole expression, or null with error() set.
  NodePtr parse() {
    NodePtr root = parse_or();
    if (!root) return nullptr;
    skip_space();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') return fail(pos_, "unmatched ')'");
      return fail(pos_, fmt::format("expected 'and', 'or', '-' or the end, found {}{}", found(),
                                    operator_typo()));
    }
    return root;
  }
  const std::string& error() const { return error_; }
  size_t error_pos() const { return error_pos_; }

 private:
  NodePtr parse_or() {
    NodePtr lhs = parse_and();
    while (lhs) {
      skip_space();
      if (eat('|') || eat_word("or")) {
        NodePtr rhs = parse_and();
        if (!rhs) return nullptr;
        lhs = binary(Node::Op::kOr, lhs, rhs);
      } else {
        break;
      }
    }
    return lhs;
  }

  NodePtr parse_and() {
    NodePtr lhs = parse_not();
    while (lhs) {
      skip_space();
      if (eat('&') || eat_word("and")) {
        NodePtr rhs = parse_not();
        if (!rhs) return nullptr;
        lhs = binary(Node::Op::kAnd, lhs, rhs);
      } else if (eat('-')) {
        NodePtr rhs = parse_not();
        if (!rhs) return nullptr;
        lhs = binary(Node::Op::kAnd, lhs, negate(rhs));
      } else {
        break;
      }
    }
    return lhs;
  }

  NodePtr parse_not() {
    skip_space();
    // The parser recurses per '(' and 'not': a bound keeps a hostile -E off the stack's end.
    if (depth_ >= kMaxDepth)
      return fail(pos_, fmt::format("nested deeper than {} levels of 'not' and '('", kMaxDepth));
    if (eat('!') || eat_word("not")) {
      ++depth_;
      NodePtr operand = parse_not();
      --depth_;
      return operand ? negate(operand) : nullptr;
    }
    return parse_primary();
  }

  NodePtr parse_primary() {
    skip_space();
    const size_t start = pos_;
    if (eat('(')) {
      ++depth_;
      NodePtr inner = parse_or();
      --depth_;
      if (!inner) return nullptr;
      skip_space();
      if (!eat(')'))
        return fail(pos_, fmt::format("expected ')' to close the '(' at col {}, found {}",
                                      start + 1, found()));
      return inner;
    }
    if (pos_ >= text_.size() || !is_word_char(text_[pos_]))
      return fail(
          pos_, fmt::format("expected a set such as test(NAME), 'not' or '(', found {}", found()));
    const std::string_view word = read_word();
    if (word == "and" || word == "or")
      return fail(start, fmt::format("expected a set such as test(NAME) before '{}'", word));
    const SetName* set = find_set(word);
    if (!set) {
      std::vector<std::string> candidates = set_names();
      candidates.push_back("not");
      // A likely typo gets its fix; anything else the list to choose from.
      std::string hint = did_you_mean(word, candidates);
      if (hint.empty())
        hint =
            "; the sets are test, kernel, scheduler, file, topology, preset, profile, "
            "host_only, ignored, all, none";
      return fail(start, fmt::format("unknown set '{}'{}", word, hint));
    }
    skip_space();
    const size_t open = pos_;
    if (!eat('('))
      return fail(pos_, fmt::format("expected '(' after '{}', found {}", word, found()));
    auto node = std::make_shared<Node>();
    node->op = Node::Op::kSet;
    node->set = set->kind;
    skip_space();
    if (!set->takes_matcher) {
      if (!eat(')'))
        return fail(pos_,
                    fmt::format("{}() takes no matcher: expected ')', found {}", word, found()));
      return node;
    }
    if (!parse_matcher(word, open, &node->matcher)) return nullptr;
    return node;
  }

  // After the '(' (and spaces): a matcher, then ')'.
  bool parse_matcher(std::string_view set, size_t open, Matcher* m) {
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '/') return parse_regex(set, open, m);
    if (eat('=')) {
      m->kind = Matcher::Kind::kExact;
    } else {
      eat('~');  // an explicit substring: lets a value start with '=', '/' or '~'
    }
    std::string text;
    size_t trimmed = 0;  // length of `text` without its trailing unescaped spaces
    while (true) {
      if (pos_ >= text_.size()) {
        fail(pos_,
             fmt::format("expected ')' to close {}( at col {}, found the end", set, open + 1));
        return false;
      }
      const char c = text_[pos_++];
      if (c == ')') break;
      if (c == '\\' && pos_ < text_.size()) {
        text += text_[pos_++];
        trimmed = text.size();
        continue;
      }
      if (c == ' ' && text.empty()) continue;  // after '=' or '~'
      text += c;
      if (c != ' ') trimmed = text.size();
    }
    text.resize(trimmed);
    if (text.empty() && m->kind != Matcher::Kind::kExact) {
      fail(start, fmt::format("expected a matcher inside {}(): a substring, =exact, /regex/ or "
                              "~substring (use all() to match everything)",
                              set));
      return false;
    }
    m->text = std::move(text);
    return true;
  }

  bool parse_regex(std::string_view set, size_t open, Matcher* m) {
    const size_t start = pos_++;  // the opening '/'
    std::string pattern;
    while (true) {
      if (pos_ >= text_.size()) {
        fail(start, fmt::format("unterminated regex in {}(): expected a closing '/'", set));
        return false;
      }
      const char c = text_[pos_++];
      if (c == '/') break;
      if (c == '\\' && pos_ < text_.size()) {
        // "\/" is a slash; every other escape is the regex's own.
        if (text_[pos_] != '/') pattern += c;
        pattern += text_[pos_++];
        continue;
      }
      pattern += c;
    }
    if (pattern.empty()) {
      fail(start, fmt::format("empty regex in {}(): write a pattern between the slashes", set));
      return false;
    }
    skip_space();
    if (!eat(')')) {
      fail(pos_, fmt::format("expected ')' after the regex of {}( at col {}, found {}; a value "
                             "that starts with '/' is written {}(~/...)",
                             set, open + 1, found(), set));
      return false;
    }
    try {
      m->regex = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      std::string why = e.what();
      while (!why.empty() && (why.back() == '.' || why.back() == ' ')) why.pop_back();
      fail(start, fmt::format("bad regex /{}/: {}", pattern, why));
      return false;
    }
    m->kind = Matcher::Kind::kRegex;
    m->text = std::move(pattern);
    return true;
  }

  static NodePtr binary(Node::Op op, NodePtr lhs, NodePtr rhs) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->lhs = std::move(lhs);
    n->rhs = std::move(rhs);
    return n;
  }
  static NodePtr negate(NodePtr operand) {
    auto n = std::make_shared<Node>();
    n->op = Node::Op::kNot;
    n->lhs = std::move(operand);
    return n;
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A keyword only when it is a whole word ("order(" is not "or").
  bool eat_word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    if (pos_ + w.size() < text_.size() && is_word_char(text_[pos_ + w.size()])) return false;
    pos_ += w.size();
    return true;
  }
  std::string_view read_word() {
    const size_t start = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // What stands at pos_: "'x'", "'word'" or "the end".
  std::string found() const {
    if (pos_ >= text_.size()) return "the end";
    if (!is_word_char(text_[pos_])) return fmt::format("'{}'", text_[pos_]);
    size_t end = pos_;
    while (end < text_.size() && is_word_char(text_[end])) ++end;
    return fmt::format("'{}'", text_.substr(pos_, end - pos_));
  }
  // " (did you mean 'and'?)" for a misspelt operator word at pos_.
  std::string operator_typo() const {
    size_t end = pos_;
    while (end < text_.size() && is_word_char(text_[end])) ++end;
    if (end == pos_) return "";
    return did_you_mean(text_.substr(pos_, end - pos_), {"and", "or", "not"});
  }
  NodePtr fail(size_t at, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_pos_ = at;
    }
    return nullptr;
  }

  static constexpr int kMaxDepth = 200;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

}  // namespace

std::optional<FilterExpr> FilterExpr::parse(const std::string& text, std::string* error) {
  Parser parser(text);
  NodePtr root = parser.parse();
  if (!root) {
    if (error)
      *error = fmt::format("-E '{}': col {}: {}", text, parser.error_pos() + 1, parser.error());
    return std::nullopt;
  }
  FilterExpr expr;
  expr.text_ = text;
  expr.root_ = std::move(root);
  return expr;
}

bool FilterExpr::matches(const FilterSubject& subject) const {
  return root_ && root_->eval(subject);
}

}  // namespace ktstr
