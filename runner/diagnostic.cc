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

// Tabs would shift the caret; show them as single spaces.
std::string detab(const std::string& s) {
  std::string out = s;
  std::replace(out.begin(), out.end(), '\t', ' ');
  return out;
}

void render_one(std::ostringstream& out, const Diagnostic& d, const SourceCache& sources,
                const Style& st) {
  out << "ktstr-run: " << st.red("error") << ": ";
  if (!d.pos.file.empty()) out << st.bold(d.pos.str()) << ": ";
  out << d.message << "\n";
  if (const std::string* text = sources.line(d.pos.file, d.pos.line)) {
    const std::string num = std::to_string(d.pos.line);
    const std::string pad(num.size(), ' ');
    out << fmt::format(" {} | {}\n", num, detab(*text));
    const int col = std::max(1, d.pos.col);
    const int span = std::max(1, d.span);
    out << fmt::format(" {} | {}{}\n", pad, std::string(col - 1, ' '),
                       st.red("^" + std::string(span - 1, '~')));
  }
  for (const auto& n : d.notes) {
    out << "  " << st.cyan("note") << ": ";
    if (!n.pos.file.empty()) out << n.pos.str() << ": ";
    out << n.message << "\n";
  }
  if (!d.help.empty()) out << "  " << st.cyan("help") << ": " << d.help << "\n";
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
                        {"message", d.message}};
    if (!d.help.empty()) e["help"] = d.help;
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : d.notes) {
      notes.push_back(
          {{"file", n.pos.file}, {"line", n.pos.line}, {"col", n.pos.col}, {"message", n.message}});
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
