// ResolvedTests built by hand for the plan tests: a spec name, a file and
// merged settings, without loading any TOML.
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/test_resolver.h"

namespace ktstr::testing {

/// Owns the entities the tests point at (a deque keeps their addresses).
class ResolvedTests {
 public:
  /// Adds test `name` from `file` with `settings` (dotted keys: "replicas",
  /// "topology.cores").
  ResolvedTest& add(const std::string& name, nlohmann::json settings = nlohmann::json::object(),
                    const std::string& file = "specs/basic.toml") {
    Entity& e = entities_.emplace_back();
    e.kind = "test";
    e.name = name;
    e.pointer = "/test/" + name;
    e.pos = {.file = file, .line = 1, .col = 1};
    ResolvedTest& t = tests_.emplace_back();
    t.name = name;
    t.full_name = "ktstr/" + name;
    t.entity = &e;
    for (const auto& [key, value] : settings.items()) t.settings[key] = Setting{value, Origin{}};
    return t;
  }
  /// The tests, in the order added.
  const std::vector<ResolvedTest>& all() const { return tests_; }

 private:
  std::deque<Entity> entities_;
  std::vector<ResolvedTest> tests_;
};

}  // namespace ktstr::testing
