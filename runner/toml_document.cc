// Converts a toml++ tree into nlohmann::json while recording toml++'s source
// regions, so later stages (schema, rules, merge) work on plain JSON yet every
// message can still point at the exact line and column of the TOML text.
#include "runner/toml_document.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <cmath>
#include <sstream>
#include <vector>

namespace ktstr {

std::string pointer_escape(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_join(const std::string& pointer, const std::string& token) {
  return pointer + "/" + pointer_escape(token);
}

ValueLocation TomlDocument::locate(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    auto it = locations.find(p);
    if (it != locations.end()) return it->second;
    if (p.empty()) break;
    auto slash = p.rfind('/');
    p = slash == std::string::npos ? "" : p.substr(0, slash);
  }
  ValueLocation loc;
  loc.key = loc.value = SourcePos{file, 0, 0};
  return loc;
}

namespace {

// How deep keys and tables nest at any point of `text`, found without parsing:
// toml++ builds nested tables recursively (and we convert them recursively), so
// a key with 10 000 dots must be refused before either runs. A lexer-level scan:
// strings and comments are skipped, each '[' or '{' of a value opens a level on
// top of the key that holds it, each '.' in a key adds one, and a table header
// sets the base depth of the lines after it. The count may exceed the real
// depth by one (a float's dot); it never falls short of it.
std::optional<SourcePos> too_deep(const std::string& file, const std::string& text) {
  int line = 1, col = 0;
  int table_depth = 0;     // depth of the last [header]
  int run = 0;             // dots since the last key start
  bool header = false;     // inside a [header] or [[header]]
  bool line_start = true;  // nothing but whitespace yet on this line
  std::vector<int> stack;  // base depth of each open '[' / '{' of a value
  const auto base = [&] { return stack.empty() ? table_depth : stack.back(); };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++col;
    if (c == '\n') {
      ++line;
      col = 0;
      line_start = true;
      if (stack.empty()) run = 0;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const bool at_start = line_start;
    line_start = false;
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      const bool multi = text.compare(i, 3, std::string(3, c)) == 0;
      const size_t close = multi ? 3 : 1;
      size_t j = i + close;
      col += static_cast<int>(close) - 1;  // the rest of the opening quotes
      while (j < text.size() && text.compare(j, close, std::string(close, c)) != 0) {
        if (c == '"' && text[j] == '\\') ++j, ++col;
        if (j < text.size() && text[j] == '\n') {
          ++line;
          col = 0;
        } else {
          ++col;
        }
        ++j;
      }
      if (multi)  // a closing """ may be followed by up to two more quotes
        while (j + 3 < text.size() && text[j + 3] == c) ++j, ++col;
      col += static_cast<int>(close);
      i = std::min(j + close, text.size()) - 1;
      continue;
    }
    if (c == '[' && at_start && stack.empty()) {
      header = true;
      run = 0;
      if (i + 1 < text.size() && text[i + 1] == '[') ++i, ++col;
      continue;
    }
    if (header) {
      if (c == '.') ++run;
      if (c == ']') {
        header = false;
        table_depth = run + 1;
        run = 0;
      }
    } else if (c == '[' || c == '{') {
      stack.push_back(base() + run + 1);
      run = 0;
    } else if (c == ']' || c == '}') {
      if (!stack.empty()) stack.pop_back();
      run = 0;
    } else if (c == ',') {
      run = 0;
    } else if (c == '.') {
      ++run;
    }
    if (base() + run + 1 > kMaxNestingDepth) return SourcePos{file, line, col};
  }
  return std::nullopt;
}

class Converter {
 public:
  Converter(TomlDocument& doc, Diagnostics& diags) : doc_(doc), diags_(diags) {}

  nlohmann::json table(const toml::table& t, const std::string& ptr) {
    nlohmann::json out = nlohmann::json::object();
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (key.size() > kMaxKeyBytes) {
        // Names are matched against patterns by std::regex, which recurses per
        // character: a long enough key would overflow the stack.
        diags_.error(
            "length", pos(k.source()),
            fmt::format("a key of {} bytes; keys are at most {} bytes", key.size(), kMaxKeyBytes));
        continue;
      }
      const std::string child = pointer_join(ptr, key);
      ValueLocation loc;
      loc.key = pos(k.source());
      loc.value = pos(v.source());
      if (!loc.key.known()) loc.key = loc.value;
      loc.key_len = static_cast<int>(std::max<size_t>(1, key.size()));
      loc.toml_type = type_name(v);
      doc_.locations[child] = loc;
      if (auto j = node(v, child)) out[key] = std::move(*j);
    }
    return out;
  }

 private:
  SourcePos pos(const toml::source_region& r) const {
    return SourcePos{doc_.file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::table:
        return "table";
      case toml::node_type::array:
        return "array";
      case toml::node_type::string:
        return "string";
      case toml::node_type::integer:
        return "integer";
      case toml::node_type::floating_point:
        return "float";
      case toml::node_type::boolean:
        return "boolean";
      case toml::node_type::date:
        return "date";
      case toml::node_type::time:
        return "time";
      case toml::node_type::date_time:
        return "date-time";
      default:
        return "value";
    }
  }

  std::optional<nlohmann::json> node(const toml::node& n, const std::string& ptr) {
    if (auto* t = n.as_table()) return table(*t, ptr);
    if (auto* a = n.as_array()) {
      nlohmann::json out = nlohmann::json::array();
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        const std::string child = pointer_join(ptr, std::to_string(i));
        ValueLocation loc;
        loc.key = loc.value = pos(e.source());
        loc.toml_type = type_name(e);
        doc_.locations[child] = loc;
        if (auto j = node(e, child)) {
          out.push_back(std::move(*j));
        } else {
          out.push_back(nullptr);  // keep indices stable for later positions
        }
      }
      return out;
    }
    if (auto* s = n.as_string()) {
      const size_t limit = ptr.ends_with("/config") ? kMaxTextBytes : kMaxStringBytes;
      if (s->get().size() > limit) {
        diags_.error("length", pos(n.source()),
                     fmt::format("a string of {} bytes; {} is at most {} bytes", s->get().size(),
                                 limit == kMaxTextBytes ? "config" : "a string value", limit));
        return std::nullopt;
      }
      return nlohmann::json(s->get());
    }
    if (auto* i = n.as_integer()) return nlohmann::json(i->get());
    if (auto* b = n.as_boolean()) return nlohmann::json(b->get());
    if (auto* f = n.as_floating_point()) {
      const double d = f->get();
      if (!std::isfinite(d)) {
        diags_.error("finite", pos(n.source()),
                     fmt::format("{} is not allowed here: numbers must be finite",
                                 std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf")));
        return std::nullopt;
      }
      return nlohmann::json(d);
    }
    // Dates and times: no spec key takes one. Keep them as text so the schema
    // reports a type error that names what was found.
    std::ostringstream s;
    if (auto* d = n.as_date())
      s << d->get();
    else if (auto* t = n.as_time())
      s << t->get();
    else if (auto* dt = n.as_date_time())
      s << dt->get();
    return nlohmann::json(s.str());
  }

  TomlDocument& doc_;
  Diagnostics& diags_;
};

}  // namespace

std::optional<TomlDocument> parse_toml(const std::string& file, const std::string& text,
                                       Diagnostics& diags) {
  TomlDocument doc;
  doc.file = file;
  doc.text = text;
  if (auto at = too_deep(file, text)) {
    diags.error("depth", *at,
                fmt::format("keys and tables nest more than {} levels deep here; specs are limited "
                            "to {} levels",
                            kMaxNestingDepth, kMaxNestingDepth));
    return std::nullopt;
  }
  toml::table tbl;
  try {
    tbl = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    std::string what(e.description());
    diags.error("toml-syntax",
                SourcePos{file, static_cast<int>(b.line), static_cast<int>(b.column)},
                "invalid TOML: " + what);
    return std::nullopt;
  }
  ValueLocation root;
  root.key = root.value = SourcePos{file, 1, 1};
  root.toml_type = "table";
  doc.locations[""] = root;
  Converter conv(doc, diags);
  doc.root = conv.table(tbl, "");
  return doc;
}

}  // namespace ktstr
