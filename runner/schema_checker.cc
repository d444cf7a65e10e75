// valijson validates; this file explains. valijson reports each failure as a
// context path ("<root>", "[test]", "[a]") and a fixed English sentence. We
// drop its propagation lines ("Failed to validate item #1"), map each path to
// a JSON pointer and from there to the TOML position, and rewrite the sentence
// from the schema itself (allowed keys, enum values, ranges, x-hint). For a
// oneOf/anyOf failure, valijson lists every branch's errors; instead we pick the
// branch whose type matches the value and validate against that branch alone,
// so "topology = { llc = 2 }" reports the misspelt key, not "matched no branch".
#include "runner/schema_checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <unordered_map>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "runner/edit_distance.h"

namespace ktstr {

namespace {

using nlohmann::json;

struct RawError {
  std::string pointer;
  std::string description;
};

std::vector<std::string> split_pointer(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  size_t i = 1;
  while (true) {
    size_t j = pointer.find('/', i);
    std::string tok = pointer.substr(i, j == std::string::npos ? std::string::npos : j - i);
    std::string unesc;
    for (size_t k = 0; k < tok.size(); ++k) {
      if (tok[k] == '~' && k + 1 < tok.size()) {
        unesc += tok[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        unesc += tok[k];
      }
    }
    out.push_back(unesc);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

const json* at_pointer(const json& root, const std::string& pointer) {
  const json* cur = &root;
  for (const auto& tok : split_pointer(pointer)) {
    if (cur->is_object()) {
      auto it = cur->find(tok);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array() && is_index(tok)) {
      size_t i = std::stoul(tok);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
  }
  return cur;
}

std::string json_type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "table";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "float";
    default:
      return "nothing";
  }
}

bool type_matches(const std::string& schema_type, const json& v) {
  if (schema_type == "object") return v.is_object();
  if (schema_type == "array") return v.is_array();
  if (schema_type == "string") return v.is_string();
  if (schema_type == "boolean") return v.is_boolean();
  if (schema_type == "integer") return v.is_number_integer();
  if (schema_type == "number") return v.is_number();
  if (schema_type == "null") return v.is_null();
  return false;
}

std::string type_word(const std::string& t) {
  if (t == "object") return "a table";
  if (t == "array") return "an array";
  if (t == "string") return "a string";
  if (t == "boolean") return "a boolean (true or false)";
  if (t == "integer") return "an integer";
  if (t == "number") return "a number";
  return t;
}

std::vector<std::string> schema_types(const json& s) {
  std::vector<std::string> out;
  if (auto it = s.find("type"); it != s.end()) {
    if (it->is_string()) out.push_back(*it);
    if (it->is_array())
      for (const auto& t : *it) out.push_back(t);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string number_text(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15)
    return fmt::format("{}", static_cast<long long>(d));
  return fmt::format("{}", d);
}

std::string value_text(const json& v) {
  if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
  if (v.is_object()) return "a table";
  if (v.is_array()) return "an array";
  return v.dump();
}

// The short name of the value at `pointer` for messages: its key, or key[i].
std::string short_name(const std::string& pointer) {
  auto toks = split_pointer(pointer);
  if (toks.empty()) return "the file";
  std::string out;
  size_t i = toks.size();
  while (i > 0 && is_index(toks[i - 1])) --i;
  if (i > 0) out = toks[i - 1];
  for (size_t k = i; k < toks.size(); ++k) out += "[" + toks[k] + "]";
  return out;
}

}  // namespace

std::string toml_path(const std::string& pointer) {
  std::string out;
  for (const auto& tok : split_pointer(pointer)) {
    if (is_index(tok) && !out.empty()) {
      out += "[" + tok + "]";
    } else {
      if (!out.empty()) out += ".";
      out += tok;
    }
  }
  return out;
}

struct SchemaChecker::Impl {
  json schema;
  valijson::Schema compiled;
  mutable std::mutex mu;
  mutable std::map<std::string, std::unique_ptr<valijson::Schema>> branch_cache;

  const json& resolve(const json& s) const {
    const json* cur = &s;
    for (int depth = 0; depth < 32 && cur->is_object(); ++depth) {
      auto it = cur->find("$ref");
      if (it == cur->end() || !it->is_string()) break;
      const std::string ref = *it;
      if (!ref.starts_with("#")) break;
      const json* target = at_pointer(schema, ref.substr(1));
      if (!target) break;
      cur = target;
    }
    return *cur;
  }

  // For a oneOf/anyOf schema, the branch whose type matches `v` (resolved).
  const json& branch_for(const json& s, const json* v) const {
    const json& r = resolve(s);
    if (!v) return r;
    for (const char* kw : {"oneOf", "anyOf"}) {
      auto it = r.find(kw);
      if (it == r.end() || !it->is_array()) continue;
      for (const auto& b : *it) {
        const json& rb = resolve(b);
        for (const auto& t : schema_types(rb))
          if (type_matches(t, *v)) return branch_for(rb, v);
      }
    }
    return r;
  }

  // Whether `v` satisfies an allOf branch's "if": the forms the schema uses
  // (properties with const, required, not, anyOf), nothing more.
  static bool if_holds(const json& cond, const json* v) {
    if (!v || !v->is_object() || !cond.is_object()) return false;
    if (auto r = cond.find("required"); r != cond.end())
      for (const auto& k : *r)
        if (!k.is_string() || !v->contains(k.get<std::string>())) return false;
    if (auto p = cond.find("properties"); p != cond.end() && p->is_object())
      for (auto& [k, sub] : p->items())
        if (v->contains(k) && sub.contains("const") && (*v)[k] != sub["const"]) return false;
    if (auto n = cond.find("not"); n != cond.end() && if_holds(*n, v)) return false;
    if (auto a = cond.find("anyOf"); a != cond.end() && a->is_array())
      return std::any_of(a->begin(), a->end(), [&](const json& b) { return if_holds(b, v); });
    return true;
  }

  const json* child(const json& s, const std::string& tok, const json* parent_value) const {
    const json& r = branch_for(s, parent_value);
    // A "then" that applies to this value is more specific than the plain
    // property (definitions.cgroup: work_args per work type).
    if (auto all = r.find("allOf"); all != r.end() && all->is_array())
      for (const auto& b : *all)
        if (b.contains("if") && b.contains("then") && if_holds(b["if"], parent_value))
          if (auto p = b["then"].find("properties"); p != b["then"].end() && p->contains(tok))
            return &(*p)[tok];
    if (auto p = r.find("properties"); p != r.end() && p->contains(tok)) return &(*p)[tok];
    if (auto pp = r.find("patternProperties"); pp != r.end() && pp->is_object())
      for (auto& [pattern, sub] : pp->items())
        if (std::regex_search(tok, std::regex(pattern))) return &sub;
    if (auto a = r.find("additionalProperties"); a != r.end() && a->is_object()) return &*a;
    if (auto items = r.find("items"); items != r.end() && items->is_object() && is_index(tok))
      return &*items;
    return nullptr;
  }

  const json* schema_at(const json& root, const std::string& pointer) const {
    const json* s = &schema;
    const json* v = &root;
    std::string walked;
    for (const auto& tok : split_pointer(pointer)) {
      s = child(*s, tok, v);
      if (!s) return nullptr;
      walked = pointer_join(walked, tok);
      v = at_pointer(root, walked);
    }
    return &branch_for(*s, v);
  }

  // One validator for the process: it caches compiled 'pattern' regexes, and
  // compiling them again for every file dominated `check` time.
  mutable valijson::Validator validator;
  mutable std::unordered_map<std::string, std::regex> name_patterns;

  std::vector<RawError> run(const valijson::Schema& compiled_schema, const json& value,
                            const std::string& base) const {
    std::lock_guard lock(mu);
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(value);
    std::vector<RawError> out;
    if (validator.validate(compiled_schema, target, &results)) return out;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string ptr = base;
      for (const auto& c : e.context) {
        if (c == "<root>") continue;
        std::string tok = c;
        if (tok.size() >= 2 && tok.front() == '[' && tok.back() == ']')
          tok = tok.substr(1, tok.size() - 2);
        ptr = pointer_join(ptr, tok);
      }
      out.push_back({ptr, e.description});
    }
    return out;
  }

  // A standalone schema for one branch: the branch plus the root definitions,
  // so its $refs still resolve.
  const valijson::Schema* compile_branch(const json& branch) const {
    const std::string key = branch.dump();
    std::lock_guard lock(mu);
    auto it = branch_cache.find(key);
    if (it != branch_cache.end()) return it->second.get();
    json doc = branch;
    if (doc.is_object() && schema.contains("definitions"))
      doc["definitions"] = schema["definitions"];
    auto compiled_branch = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    try {
      parser.populateSchema(adapter, *compiled_branch);
    } catch (const std::exception&) {
      return nullptr;
    }
    return branch_cache.emplace(key, std::move(compiled_branch)).first->second.get();
  }
};

namespace {

// Turns raw valijson errors into diagnostics (or plain messages when no
// document is given), recursing into union branches.
class Explainer {
 public:
  Explainer(const SchemaChecker::Impl& impl, const SchemaChecker& checker, const json& root,
            const TomlDocument* doc)
      : impl_(impl), checker_(checker), root_(root), doc_(doc) {}

  void explain(const std::vector<RawError>& errors, int depth = 0) {
    std::set<std::string> unions;
    for (const auto& e : errors)
      if (is_union_failure(e.description)) unions.insert(e.pointer);
    for (const auto& e : errors) {
      if (is_propagation(e.description)) continue;
      if (is_union_failure(e.description)) {
        if (!under_other_union(e.pointer, unions)) explain_union(e.pointer, depth);
        continue;
      }
      if (under_any_union(e.pointer, unions)) continue;
      reword(e);
    }
  }

  std::vector<std::string> messages;
  Diagnostics* diags = nullptr;

 private:
  static bool is_propagation(const std::string& d) {
    return d.starts_with("Failed to validate item #") ||
           d.starts_with("Failed to validate against child schema #") ||
           d.starts_with("Failed to validate against schema associated with property name") ||
           d.starts_with("Failed to validate against additional properties schema") ||
           d.starts_with("Failed to validate against schema associated with pattern") ||
           d.starts_with("Cannot validate item #");
  }
  static bool is_union_failure(const std::string& d) {
    return d.starts_with("Failed to validate against any child schemas allowed by oneOf") ||
           d.starts_with("Failed to validate against any schemas allowed by anyOf") ||
           d.starts_with("Failed to validate against exactly one child schema");
  }
  static bool is_under(const std::string& p, const std::string& u) {
    return p == u || p.starts_with(u + "/");
  }
  static bool under_any_union(const std::string& p, const std::set<std::string>& unions) {
    for (const auto& u : unions)
      if (is_under(p, u)) return true;
    return false;
  }
  static bool under_other_union(const std::string& p, const std::set<std::string>& unions) {
    for (const auto& u : unions)
      if (u != p && is_under(p, u)) return true;
    return false;
  }

  void explain_union(const std::string& pointer, int depth) {
    const json* v = at_pointer(root_, pointer);
    const json* s = impl_.schema_at(root_, pointer);
    if (!v || !s) return emit("schema", pointer, false, short_name(pointer) + " is not valid here");
    // schema_at already picked the branch matching the value's type; when none
    // matched, it returned the union itself.
    const json& chosen = *s;
    if (chosen.contains("oneOf") || chosen.contains("anyOf") || depth > 8) {
      // Branches that differ only by required keys: "set at least one of".
      std::vector<std::string> req;
      for (const char* kw : {"oneOf", "anyOf"})
        if (chosen.contains(kw))
          for (const auto& b : chosen[kw])
            if (b.contains("required") && !b.contains("type"))
              for (const auto& r : b["required"]) req.push_back(r);
      if (!req.empty())
        return emit(
            "required", pointer, true,
            fmt::format("[{}] must set at least one of: {}", toml_path(pointer), join(req, ", ")));
      std::vector<std::string> words;
      for (const char* kw : {"oneOf", "anyOf"})
        if (chosen.contains(kw))
          for (const auto& b : chosen[kw])
            for (const auto& t : schema_types(impl_.resolve(b))) words.push_back(type_word(t));
      std::string hint;
      if (auto h = chosen.find("x-hint"); h != chosen.end() && h->is_string())
        hint = " (" + h->get<std::string>() + ")";
      return emit("type", pointer, false,
                  fmt::format("{} must be {}{}, found {}", short_name(pointer), join(words, " or "),
                              hint, found_type(pointer, *v)));
    }
    const valijson::Schema* compiled = impl_.compile_branch(chosen);
    if (!compiled) return emit("schema", pointer, false, short_name(pointer) + " is not valid");
    auto sub = impl_.run(*compiled, *v, pointer);
    if (sub.empty()) {
      return emit("schema", pointer, false,
                  short_name(pointer) + " matches more than one allowed form");
    }
    explain(sub, depth + 1);
  }

  std::string found_type(const std::string& pointer, const json& v) const {
    if (doc_) {
      auto it = doc_->locations.find(pointer);
      if (it != doc_->locations.end() && !it->second.toml_type.empty()) {
        const std::string& t = it->second.toml_type;
        if (t == "string" || t == "integer" || t == "float" || t == "boolean")
          return fmt::format("{} {}", t, value_text(v));
        return t;
      }
    }
    const std::string t = json_type_of(v);
    if (v.is_primitive()) return fmt::format("{} {}", t, value_text(v));
    return t;
  }

  void reword(const RawError& e, bool expand = true) {
    const std::string& d = e.description;
    const std::string& p = e.pointer;
    const json* v = at_pointer(root_, p);
    const json* s = impl_.schema_at(root_, p);
    const std::string name = short_name(p);

    if (d.starts_with("Object contains a property that could not be validated")) {
      const auto q2 = d.rfind('\'');
      const auto q1 = q2 == std::string::npos ? q2 : d.rfind('\'', q2 - 1);
      std::string key = (q1 != std::string::npos && q2 > q1) ? d.substr(q1 + 1, q2 - q1 - 1) : "?";
      auto allowed = checker_.allowed_keys(root_, p);
      // A known key whose value failed (reported at its own pointer): valijson
      // repeats it here when several values of one table fail.
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) return;
      // valijson stops at the first unknown key of a table: report them all.
      if (expand && v && v->is_object() && s && !s->contains("patternProperties")) {
        for (auto& [k, _] : v->items()) {
          if (k == key || std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
          reword({p,
                  "Object contains a property that could not be validated using 'properties' "
                  "or 'additionalProperties' constraints: '" +
                      k + "'."},
                 false);
        }
      }
      const std::string kp = pointer_join(p, key);
      if (s && s->contains("patternProperties") && toml_path(p).ends_with("sysctls")) {
        const bool slash = key.find('/') != std::string::npos;
        return emit("sysctl-name", kp, true,
                    fmt::format("'{}' is not a sysctl name: {}", key,
                                slash ? "sysctl names are dotted, not paths (kernel.foo, not "
                                        "kernel/foo or /proc/sys/kernel/foo)"
                                      : "sysctl names use letters, digits, '_', '-' and '.', "
                                        "e.g. kernel.sched_autogroup_enabled"),
                    "", static_cast<int>(key.size()));
      }
      std::string where = p.empty() ? "" : fmt::format(" in [{}]", toml_path(p));
      std::string hint = did_you_mean(key, allowed);
      std::string help;
      if (hint.empty() && !allowed.empty() && allowed.size() <= 16)
        help = "valid keys here: " + join(allowed, ", ");
      if (help.empty() && allowed.empty() && s && s->contains("x-hint") &&
          (*s)["x-hint"].is_string())
        help = (*s)["x-hint"].get<std::string>();
      return emit("unknown-key", kp, true, fmt::format("unknown key '{}'{}{}", key, where, hint),
                  help, static_cast<int>(key.size()));
    }
    if (d.starts_with("Missing required property '")) {
      std::string key = d.substr(27, d.rfind('\'') - 27);
      return emit("required", p, true,
                  fmt::format("missing required key '{}' in [{}]", key, toml_path(p)));
    }
    if (d.starts_with("Value type not permitted")) {
      std::vector<std::string> words;
      if (s)
        for (const auto& t : schema_types(*s)) words.push_back(type_word(t));
      return emit("type", p, false,
                  fmt::format("{} must be {}, found {}", name,
                              words.empty() ? "of another type" : join(words, " or "),
                              v ? found_type(p, *v) : "something else"));
    }
    if (d.starts_with("Failed to match against any enum values")) {
      std::vector<std::string> allowed;
      if (s && s->contains("enum"))
        for (const auto& a : (*s)["enum"])
          allowed.push_back(a.is_string() ? a.get<std::string>() : a.dump());
      std::string hint =
          (v && v->is_string()) ? did_you_mean(v->get<std::string>(), allowed) : std::string();
      return emit("enum", p, false,
                  fmt::format("{} = {} is not one of: {}{}", name, v ? value_text(*v) : "?",
                              join(allowed, ", "), hint));
    }
    if (d.starts_with("Expected number")) {
      const std::string got = v ? v->dump() : "?";
      auto bound = [&](const char* kw) -> std::optional<double> {
        if (s && s->contains(kw) && (*s)[kw].is_number()) return (*s)[kw].get<double>();
        return std::nullopt;
      };
      std::string rule;
      if (d.find("greater than or equal") != std::string::npos && bound("minimum")) {
        rule = "must be at least " + number_text(*bound("minimum"));
      } else if (d.find("greater than") != std::string::npos) {
        auto b = bound("exclusiveMinimum") ? bound("exclusiveMinimum") : bound("minimum");
        rule = "must be greater than " + (b ? number_text(*b) : std::string("its minimum"));
      } else if (d.find("less than or equal") != std::string::npos && bound("maximum")) {
        rule = "must be at most " + number_text(*bound("maximum"));
      } else {
        auto b = bound("exclusiveMaximum") ? bound("exclusiveMaximum") : bound("maximum");
        rule = "must be less than " + (b ? number_text(*b) : std::string("its maximum"));
      }
      return emit("range", p, false, fmt::format("{} {}, got {}", name, rule, got));
    }
    if (d.starts_with("Failed to match regex specified by 'pattern'")) {
      std::string hint;
      if (s && s->contains("x-hint"))
        hint = (*s)["x-hint"].get<std::string>();
      else if (s && s->contains("pattern"))
        hint = "the pattern " + (*s)["pattern"].get<std::string>();
      return emit("pattern", p, false,
                  fmt::format("{} = {} is not in the expected form: {}", name,
                              v ? value_text(*v) : "?", hint));
    }
    if (d.starts_with("Target should not validate against schema specified in 'not'")) {
      std::vector<std::string> keys;
      if (s && s->contains("not") && (*s)["not"].contains("required"))
        for (const auto& k : (*s)["not"]["required"]) keys.push_back(k);
      if (keys.size() >= 2)
        return emit(
            "conflict", p, false,
            fmt::format("{} sets {}, which cannot be used together", name, join(keys, " and ")));
      return emit("conflict", p, false,
                  fmt::format("{} uses a form that is not allowed here", name));
    }
    if (d.starts_with("Failed to validate against a conditional schema"))
      return;  // the 'then' errors say why
    if (d.starts_with("Elements at indexes")) {
      return emit("unique", p, false, fmt::format("{} lists the same value twice", name));
    }
    if (d.starts_with("Array should contain no fewer")) {
      return emit("range", p, false, fmt::format("{} has too few items: {}", name, d));
    }
    if (d.starts_with("String should be no fewer")) {
      return emit("range", p, false, fmt::format("{} must not be empty", name));
    }
    emit("schema", p, false, fmt::format("{}: {}", name.empty() ? "value" : name, d));
  }

  void emit(const std::string& rule, const std::string& pointer, bool at_key,
            const std::string& message, const std::string& help = {}, int span = 0) {
    if (diags && doc_) {
      ValueLocation loc = doc_->locate(pointer);
      Diagnostic d;
      d.rule = rule;
      d.pos = at_key ? loc.key : loc.value;
      d.message = message;
      d.help = help;
      d.span = span > 0 ? span : (at_key ? loc.key_len : 1);
      diags->add(std::move(d));
    } else {
      messages.push_back(message);
    }
  }

  const SchemaChecker::Impl& impl_;
  const SchemaChecker& checker_;
  const json& root_;
  const TomlDocument* doc_;
};

// valijson ignores propertyNames failures' details; check table names here.
void check_property_names(const SchemaChecker::Impl& impl, const json& root,
                          const TomlDocument& doc, Diagnostics& diags) {
  const json& s = impl.schema;
  if (!s.contains("properties") || !root.is_object()) return;
  for (auto& [table, value] : root.items()) {
    if (!value.is_object() || !s["properties"].contains(table)) continue;
    const json& ts = impl.resolve(s["properties"][table]);
    auto pn = ts.find("propertyNames");
    if (pn == ts.end()) continue;
    const json& pns = impl.resolve(*pn);
    if (!pns.contains("pattern")) continue;
    const std::string pattern = pns["pattern"].get<std::string>();
    auto cached = impl.name_patterns.find(pattern);
    if (cached == impl.name_patterns.end())
      cached = impl.name_patterns.emplace(pattern, std::regex(pattern)).first;
    const std::regex& re = cached->second;
    for (auto& [name, _] : value.items()) {
      if (pns.contains("not") && pns["not"].contains("enum")) {
        const json& reserved = pns["not"]["enum"];
        if (std::find(reserved.begin(), reserved.end(), json(name)) != reserved.end()) {
          const std::string ptr = pointer_join(pointer_join("", table), name);
          ValueLocation loc = doc.locate(ptr);
          diags.error("name", loc.key,
                      fmt::format("'{}' is a reserved {} name{}", name, table,
                                  name == "eevdf" ? ": it means the kernel's own scheduler" : ""),
                      loc.key_len, "choose another name");
          continue;
        }
      }
      const std::string ptr = pointer_join(pointer_join("", table), name);
      ValueLocation loc = doc.locate(ptr);
      // Names become directory names (the run directory of a test), and a
      // long one would also make std::regex recurse deeply: length first.
      if (name.size() > kMaxNameLength) {
        diags.error("name", loc.key,
                    fmt::format("{} name '{}' is {} characters long; names are at most {}", table,
                                name, name.size(), kMaxNameLength),
                    static_cast<int>(kMaxNameLength), "choose a shorter name");
        continue;
      }
      if (std::regex_search(name, re)) continue;
      diags.error("name", loc.key,
                  fmt::format("invalid {} name '{}': names use letters, digits, '_', '-' and '.', "
                              "and start with a letter, digit or '_'",
                              table, name),
                  loc.key_len);
    }
  }
}

}  // namespace

SchemaChecker::SchemaChecker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaChecker::~SchemaChecker() = default;

std::unique_ptr<SchemaChecker> SchemaChecker::create(std::string_view schema_text,
                                                     std::string& error) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->schema = json::parse(schema_text);
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(impl->schema);
    parser.populateSchema(adapter, impl->compiled);
  } catch (const std::exception& e) {
    error = std::string("invalid schema: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<SchemaChecker>(new SchemaChecker(std::move(impl)));
}

const SchemaChecker& SchemaChecker::spec() {
  static const std::unique_ptr<SchemaChecker> checker = [] {
    std::string error;
    auto c = create(kSpecSchemaText, error);
    if (!c) {
      fmt::print(stderr, "ktstr-run: fatal: built-in schema: {}\n", error);
      std::abort();
    }
    return c;
  }();
  return *checker;
}

void SchemaChecker::check(const TomlDocument& doc, Diagnostics& diags) const {
  auto errors = impl_->run(impl_->compiled, doc.root, "");
  const size_t before = diags.size();
  check_property_names(*impl_, doc.root, doc, diags);
  if (errors.empty()) return;
  Explainer ex(*impl_, *this, doc.root, &doc);
  ex.diags = &diags;
  ex.explain(errors);
  if (diags.size() == before) {
    diags.error("schema", SourcePos{doc.file, 1, 1}, "the file does not match the spec schema");
  }
}

std::vector<std::string> SchemaChecker::check_value(const std::string& pointer,
                                                    const nlohmann::json& value) const {
  // Build a minimal document holding `value` at `pointer` so union branches and
  // name-keyed tables resolve as in a real file.
  json root = json::object();
  json* cur = &root;
  auto toks = split_pointer(pointer);
  for (size_t i = 0; i < toks.size(); ++i) {
    if (i + 1 == toks.size()) {
      (*cur)[toks[i]] = value;
    } else {
      cur = &(*cur)[toks[i]];
      *cur = json::object();
    }
  }
  const json* s = impl_->schema_at(root, pointer);
  if (!s) return {"unknown setting '" + toml_path(pointer) + "'"};
  const valijson::Schema* compiled = impl_->compile_branch(*s);
  if (!compiled) return {"cannot check '" + toml_path(pointer) + "'"};
  auto errors = impl_->run(*compiled, value, pointer);
  Explainer ex(*impl_, *this, root, nullptr);
  ex.explain(errors);
  return ex.messages;
}

const nlohmann::json* SchemaChecker::schema_at(const nlohmann::json& root,
                                               const std::string& pointer) const {
  return impl_->schema_at(root, pointer);
}

std::vector<std::string> SchemaChecker::allowed_keys(const nlohmann::json& root,
                                                     const std::string& pointer) const {
  std::vector<std::string> out;
  const json* s = impl_->schema_at(root, pointer);
  if (!s) return out;
  if (auto p = s->find("properties"); p != s->end() && p->is_object())
    for (auto& [k, _] : p->items()) out.push_back(k);
  return out;
}

const nlohmann::json& SchemaChecker::schema() const { return impl_->schema; }

}  // namespace ktstr
