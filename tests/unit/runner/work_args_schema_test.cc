// The schema's per-work-type work_args (definitions.cgroup and step allOf)
// state the same keys, ranges and defaults as the agent's table
// (guest/protocol/work_args.cc): `check` refuses exactly what the agent would.
#include <gtest/gtest.h>

#include "guest/protocol/work_args.h"
#include "runner/schema_checker.h"

namespace ktstr {
namespace {

using nlohmann::json;

// The work_args schema the allOf gives `work` in `def`, or null.
json work_args_rule(const std::string& def, const std::string& work) {
  const json& all = SchemaChecker::spec().schema()["definitions"][def]["allOf"];
  for (const auto& b : all) {
    const json& cond = b["if"];
    const json& named = cond.contains("anyOf") ? cond["anyOf"][1] : cond;
    if (named.contains("properties") && named["properties"].contains("work") &&
        named["properties"]["work"]["const"] == work)
      return b["then"]["properties"]["work_args"];
  }
  return nullptr;
}

TEST(WorkArgsSchema, EveryWorkTypeHasTheAgentsKeysRangesAndDefaults) {
  const json& names = SchemaChecker::spec().schema()["definitions"]["work"]["enum"];
  ASSERT_EQ(names.size(), work_type_specs().size());
  for (size_t i = 0; i < names.size(); ++i) {
    const WorkTypeSpec& t = work_type_specs()[i];
    EXPECT_EQ(names[i], t.name) << "the schema's enum and the table differ in order or names";
    for (const char* def : {"cgroup", "step"}) {
      SCOPED_TRACE(std::string(def) + " " + t.name);
      const json rule = work_args_rule(def, t.name);
      ASSERT_TRUE(rule.is_object()) << "no work_args rule";
      EXPECT_EQ(rule["additionalProperties"], false);
      ASSERT_EQ(rule["properties"].size(), t.args.size());
      for (const auto& a : t.args) {
        SCOPED_TRACE(a.key);
        const json& p = rule["properties"][a.key];
        EXPECT_EQ(p["type"], "integer");
        EXPECT_EQ(p["minimum"], a.min);
        EXPECT_EQ(p["maximum"], a.max);
        EXPECT_EQ(p["default"], a.fallback);
      }
    }
  }
}

TEST(WorkArgsSchema, AnAbsentWorkIsSpin) {
  const json& first = SchemaChecker::spec().schema()["definitions"]["cgroup"]["allOf"][0]["if"];
  EXPECT_EQ(first["anyOf"][0], json::parse(R"({"not": {"required": ["work"]}})"));
  EXPECT_EQ(first["anyOf"][1]["properties"]["work"]["const"], "spin");
}

}  // namespace
}  // namespace ktstr
