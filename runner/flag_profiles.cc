// The power set is walked by bitmask over the declared flags (at most
// kMaxSchedulerFlags of them, checked by the rules), so the result depends
// only on the declarations, never on map ordering.
#include "runner/flag_profiles.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "runner/spec_catalog.h"

namespace ktstr {

using nlohmann::json;

std::string FlagProfile::name() const {
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : "+") + f;
  return out;
}

namespace {

std::vector<std::string> strings_at(const json& table, const char* key) {
  std::vector<std::string> out;
  if (table.is_object() && table.contains(key) && table[key].is_array())
    for (const auto& v : table[key])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

std::vector<FlagDecl> declared_flags(const Catalog& catalog, const Entity& scheduler) {
  std::vector<FlagDecl> out;
  if (!scheduler.value || !scheduler.value->contains("flags")) return out;
  const json& flags = (*scheduler.value)["flags"];
  if (!flags.is_object()) return out;
  struct Placed {
    SourcePos pos;
    FlagDecl decl;
  };
  std::vector<Placed> placed;
  const TomlDocument* doc =
      catalog.set && scheduler.file >= 0 ? &catalog.set->specs[scheduler.file] : nullptr;
  for (const auto& [name, table] : flags.items()) {
    Placed p;
    if (doc) p.pos = doc->key_pos(scheduler.pointer + "/flags/" + name);
    p.decl.name = name;
    p.decl.args = strings_at(table, "args");
    p.decl.requires_ = strings_at(table, "requires");
    p.decl.excludes = strings_at(table, "excludes");
    placed.push_back(std::move(p));
  }
  // Declaration order: where each table's key is in the file (names break
  // ties, e.g. a document without positions).
  std::stable_sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
    if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
    if (a.pos.col != b.pos.col) return a.pos.col < b.pos.col;
    return a.decl.name < b.decl.name;
  });
  for (auto& p : placed) out.push_back(std::move(p.decl));
  return out;
}

std::vector<FlagProfile> flag_profiles(const std::vector<FlagDecl>& flags,
                                       const std::vector<std::string>& required,
                                       const std::vector<std::string>& excluded) {
  const size_t n = std::min(flags.size(), kMaxSchedulerFlags);
  auto index_of = [&](const std::string& name) -> int {
    for (size_t i = 0; i < n; ++i)
      if (flags[i].name == name) return static_cast<int>(i);
    return -1;
  };
  auto mask_of = [&](const std::vector<std::string>& names) {
    std::uint32_t m = 0;
    for (const auto& s : names)
      if (const int i = index_of(s); i >= 0) m |= 1u << i;
    return m;
  };
  std::vector<std::uint32_t> needs(n), conflicts(n);
  for (size_t i = 0; i < n; ++i) {
    needs[i] = mask_of(flags[i].requires_);
    conflicts[i] |= mask_of(flags[i].excludes);
    for (size_t j = 0; j < n; ++j)  // excludes works both ways
      if (conflicts[i] & (1u << j)) conflicts[j] |= 1u << i;
  }
  const std::uint32_t must = mask_of(required), never = mask_of(excluded);
  std::vector<std::uint32_t> ok;
  for (std::uint32_t m = 0; m < (1u << n); ++m) {
    if ((m & must) != must || (m & never)) continue;
    bool valid = true;
    for (size_t i = 0; i < n && valid; ++i)
      if (m & (1u << i)) valid = (m & needs[i]) == needs[i] && !(m & conflicts[i]);
    if (valid) ok.push_back(m);
  }
  // By size, then by the declaration order of the flags: compare the sorted
  // index lists lexicographically.
  auto indices = [&](std::uint32_t m) {
    std::vector<size_t> v;
    for (size_t i = 0; i < n; ++i)
      if (m & (1u << i)) v.push_back(i);
    return v;
  };
  std::sort(ok.begin(), ok.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto ia = indices(a), ib = indices(b);
    if (ia.size() != ib.size()) return ia.size() < ib.size();
    return ia < ib;
  });
  std::vector<FlagProfile> out;
  for (std::uint32_t m : ok) {
    FlagProfile p;
    for (size_t i : indices(m)) {
      p.flags.push_back(flags[i].name);
      p.args.insert(p.args.end(), flags[i].args.begin(), flags[i].args.end());
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace ktstr
