// Rendering follows the compiler convention (file:line:col: error: ...) that
// editors and CI log parsers already understand, with the offending line and a
// caret underneath, as rustc and clang print them.
#include "runner/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

namespace ktstr {

void Diagnostics::error(std::string rule, SourcePos pos, std::string message, int span,
                        std::string help) {
  Diagnostic d;
  d.rule = std::move(rule);
  d.pos = std::move(pos);
  d.message = std::move(message);
  d.span = span;
  d.help = std::move(help);
  add(std::move(d));
}

void Diagnostics::sort_and_dedupe() {
  std::map<std::string, size_t> file_order;
  for (const auto& d : items_) file_order.emplace(d.pos.file, file_order.size());
  std::stable_sort(items_.begin(), items_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(file_order[a.pos.file], a.pos.line, a.pos.col) <
           std::tuple(file_order[b.pos.file], b.pos.line, b.pos.col);
  });
  std::set<std::tuple<std::string, int, int, std::string>> seen;
  std::vector<Diagnostic> out;
  for (auto& d : items_) {
    if (seen.insert({d.pos.file, d.pos.line, d.pos.col, d.message}).second) {
      out.push_back(std::move(d));
    }
  }
  items_ = std::move(out);
}

void SourceCache::add(const std::string& file, const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      lines.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  lines.push_back(std::move(cur));
  lines_[file] = std::move(lines);
}

const std::string* SourceCache::line(const std::string& file, int n) const {
  auto it = lines_.find(file);
  if (it == lines_.end() || n < 1 || static_cast<size_t>(n) > it->second.size()) return nullptr;
  return &it->second[n - 1];
}

namespace {

struct Style {
  bool on;
  std::string bold(const std::string& s) const { return on ? "\033[1m" + s + "\033[0m" : s; }
  std::string red(const std::string& s) const { return on ? "\033[1;31m" + s + "\033[0m" : s; }
  std::string cyan(const std::string& s) const { return on ? "\033[1;36m" + s + "\033[0m" : s; }
};

// The byte length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

// One display column per source character: a tab becomes a space (it would
// shift the caret), control bytes and bytes that are not UTF-8 become '?', so
// no file can send escape sequences to the terminal through an excerpt.
std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_length(s, i);
    if (c == '\t') {
      out += ' ';
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
  return out;
}

// The display column (0-based) of byte `byte` of `s`: UTF-8 continuation bytes
// take no column of their own.
size_t column_of(std::string_view s, size_t byte) {
  size_t col = 0;
  for (size_t i = 0; i < std::min(byte, s.size()); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) ++col;
  return col;
}

// The byte offset where display column `col` of `s` starts (s.size() past the end).
size_t byte_of_column(std::string_view s, size_t col) {
  size_t c = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (c++ == col) return i;
  }
  return s.size();
}

}  // namespace

Excerpt make_excerpt(std::string_view line, int col, int span) {
  Excerpt e;
  size_t caret = static_cast<size_t>(std::max(1, col) - 1);  // columns, 0-based
  size_t width = static_cast<size_t>(std::max(1, span));
  const size_t columns = column_of(line, line.size());
  if (columns <= kMaxExcerptColumns) {
    e.text = printable(line);
  } else {
    // A window of kMaxExcerptColumns around the caret, with "..." where text was cut.
    const size_t half = kMaxExcerptColumns / 2;
    size_t first = caret > half ? caret - half : 0;
    first = std::min(first, columns - kMaxExcerptColumns);
    const size_t last = first + kMaxExcerptColumns;
    const size_t b0 = byte_of_column(line, first), b1 = byte_of_column(line, last);
    e.text = (first > 0 ? "..." : "") + printable(line.substr(b0, b1 - b0)) +
             (last < columns ? "..." : "");
    caret = caret - first + (first > 0 ? 3 : 0);
    width = std::min(width, kMaxExcerptColumns);
  }
  e.caret_col = static_cast<int>(caret) + 1;
  e.caret_span = static_cast<int>(width);
  return e;
}

std::string cap_message(std::string_view message) {
  std::string out;
  // Escape control bytes so a message quoting user text cannot drive the terminal.
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f)
      out += c == '\n'   ? std::string("\\n")
             : c == '\t' ? std::string("\\t")
                         : fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (out.size() <= kMaxMessageBytes) return out;
  // Keep the start (what is wrong) and the end (the rule and the hint).
  const size_t keep = (kMaxMessageBytes - 32) / 2;
  size_t head = keep, tail = out.size() - keep;
  while (head > 0 && (static_cast<unsigned char>(out[head]) & 0xc0) == 0x80) --head;
  while (tail < out.size() && (static_cast<unsigned char>(out[tail]) & 0xc0) == 0x80) ++tail;
  return out.substr(0, head) + fmt::format(" ...({} bytes cut)... ", tail - head) +
         out.substr(tail);
}

namespace {

void render_one(std::ostringstream& out, const Diagnostic& d, const SourceCache& sources,
                const Style& st) {
  out << "ktstr-run: " << st.red("error") << ": ";
  if (!d.pos.file.empty()) out << st.bold(cap_message(d.pos.str())) << ": ";
  out << cap_message(d.message) << "\n";
  if (const std::string* text = sources.line(d.pos.file, d.pos.line)) {
    const std::string num = std::to_string(d.pos.line);
    const std::string pad(num.size(), ' ');
    const Excerpt e = make_excerpt(*text, d.pos.col, d.span);
    out << fmt::format(" {} | {}\n", num, e.text);
    out << fmt::format(" {} | {}{}\n", pad, std::string(e.caret_col - 1, ' '),
                       st.red("^" + std::string(e.caret_span - 1, '~')));
  }
  for (const auto& n : d.notes) {
    out << "  " << st.cyan("note") << ": ";
    if (!n.pos.file.empty()) out << cap_message(n.pos.str()) << ": ";
    out << cap_message(n.message) << "\n";
  }
  if (!d.help.empty()) out << "  " << st.cyan("help") << ": " << cap_message(d.help) << "\n";
}

}  // namespace

std::string render_text(const Diagnostics& diags, const SourceCache& sources,
                        const RenderOptions& options) {
  const Style st{options.color};
  std::ostringstream out;
  std::map<std::string, size_t> shown_per_rule, hidden_per_rule;
  std::set<std::string> files;
  size_t shown = 0;
  for (const auto& d : diags.all()) {
    if (d.pos.known()) files.insert(d.pos.file);
    if (shown >= options.max_total || shown_per_rule[d.rule] >= options.max_per_rule) {
      ++hidden_per_rule[d.rule];
      continue;
    }
    ++shown_per_rule[d.rule];
    ++shown;
    render_one(out, d, sources, st);
  }
  for (const auto& [rule, n] : hidden_per_rule) {
    out << fmt::format("ktstr-run: ... and {} more '{}' error{}\n", n, rule, n == 1 ? "" : "s");
  }
  const size_t n = diags.size();
  out << fmt::format("ktstr-run: {} error{}", n, n == 1 ? "" : "s");
  if (!files.empty())
    out << fmt::format(" in {} file{}", files.size(), files.size() == 1 ? "" : "s");
  out << "; nothing was run\n";
  return out.str();
}

nlohmann::json render_json(const Diagnostics& diags) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& d : diags.all()) {
    nlohmann::json e = {{"rule", d.rule},
                        {"file", d.pos.file},
                        {"line", d.pos.line},
                        {"col", d.pos.col},
                        {"message", cap_message(d.message)}};
    // Always present (docs/specs.md lists it): "" when there is no hint.
    e["help"] = cap_message(d.help);
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : d.notes) {
      notes.push_back({{"file", n.pos.file},
                       {"line", n.pos.line},
                       {"col", n.pos.col},
                       {"message", cap_message(n.message)}});
    }
    e["notes"] = std::move(notes);
    errors.push_back(std::move(e));
  }
  nlohmann::json out = {{"count", diags.size()}, {"errors", std::move(errors)}};
  // Messages quote user input, which may not be UTF-8: replace bad bytes once
  // here so every dump() of the result is safe.
  return nlohmann::json::parse(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ktstr
