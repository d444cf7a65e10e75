// The named things of one run (schedulers, payloads, presets, tests), indexed
// across every spec file, with duplicate names diagnosed.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/spec_loader.h"

namespace ktstr {

/// One [KIND.NAME] table.
struct Entity {
  std::string kind;  ///< "scheduler" | "payload" | "preset" | "test"
  std::string name;
  int file = -1;  ///< index into SpecSet::specs
  const nlohmann::json* value = nullptr;
  std::string pointer;  ///< "/test/NAME"
  SourcePos pos;        ///< the table's key
};

/// Every entity of a SpecSet by kind and name.
struct Catalog {
  const SpecSet* set = nullptr;
  std::map<std::string, std::map<std::string, Entity>> by_kind;
  std::vector<const Entity*> tests;  ///< in file order

  const Entity* find(const std::string& kind, const std::string& name) const;
  std::vector<std::string> names(const std::string& kind) const;
};

/// Indexes `set`; a name defined twice (in any files) is an error citing both.
Catalog build_catalog(const SpecSet& set, Diagnostics& diags);

}  // namespace ktstr
