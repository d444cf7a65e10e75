#include "runner/spec_catalog.h"

#include <fmt/format.h>

namespace ktstr {

const Entity* Catalog::find(const std::string& kind, const std::string& name) const {
  auto k = by_kind.find(kind);
  if (k == by_kind.end()) return nullptr;
  auto it = k->second.find(name);
  return it == k->second.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalog::names(const std::string& kind) const {
  std::vector<std::string> out;
  auto k = by_kind.find(kind);
  if (k != by_kind.end())
    for (const auto& [n, _] : k->second) out.push_back(n);
  return out;
}

Catalog build_catalog(const SpecSet& set, Diagnostics& diags) {
  Catalog cat;
  cat.set = &set;
  for (size_t f = 0; f < set.specs.size(); ++f) {
    const TomlDocument& doc = set.specs[f];
    for (const char* kind : {"scheduler", "payload", "preset", "test"}) {
      auto t = doc.root.find(kind);
      if (t == doc.root.end() || !t->is_object()) continue;
      for (auto& [name, value] : t->items()) {
        Entity e;
        e.kind = kind;
        e.name = name;
        e.file = static_cast<int>(f);
        e.value = &value;
        e.pointer = pointer_join(pointer_join("", kind), name);
        e.pos = doc.key_pos(e.pointer);
        auto& bucket = cat.by_kind[kind];
        auto existing = bucket.find(name);
        if (existing != bucket.end()) {
          Diagnostic d;
          d.rule = "duplicate-name";
          d.pos = e.pos;
          d.span = static_cast<int>(name.size());
          d.message =
              fmt::format("{} '{}' is defined twice: here and at {} (names are global to a run)",
                          kind, name, existing->second.pos.file_line());
          d.notes.push_back({existing->second.pos, "first defined here"});
          d.help = "rename one of them";
          diags.add(std::move(d));
          continue;
        }
        bucket.emplace(name, e);
      }
    }
  }
  // Tests in file order (map order is by name).
  for (size_t f = 0; f < set.specs.size(); ++f) {
    auto t = set.specs[f].root.find("test");
    if (t == set.specs[f].root.end() || !t->is_object()) continue;
    for (auto& [name, _] : t->items()) {
      const Entity* e = cat.find("test", name);
      if (e && e->file == static_cast<int>(f)) cat.tests.push_back(e);
    }
  }
  return cat;
}

}  // namespace ktstr
