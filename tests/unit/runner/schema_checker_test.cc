// The schema checker's rewording of valijson errors: each problem names the key,
// the rule it breaks and where it is, with did-you-mean hints.
#include "runner/schema_checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/toml_document.h"

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Parses and schema-checks `text`; returns the diagnostics.
Diagnostics check(const std::string& text) {
  Diagnostics d;
  auto doc = parse_toml("a.toml", text, d);
  EXPECT_TRUE(doc.has_value()) << text;
  if (doc) SchemaChecker::spec().check(*doc, d);
  d.sort_and_dedupe();
  return d;
}

std::string only_message(const Diagnostics& d) {
  EXPECT_EQ(d.size(), 1u);
  return d.empty() ? "" : d.all()[0].message;
}

constexpr const char* kCgroup = "[[test.t.cgroup]]\nname = \"cg_0\"\n";

TEST(SchemaChecker, ValidDocumentHasNoProblems) {
  EXPECT_TRUE(check(std::string("[test.t]\ntopology = \"1n2l2c1t\"\n") + kCgroup).empty());
}

TEST(SchemaChecker, UnknownKeyWithDidYouMeanAtTheKey) {
  auto d = check(std::string("[test.t]\ntoplogy = \"1n2l2c1t\"\n") + kCgroup);
  EXPECT_EQ(only_message(d), "unknown key 'toplogy' in [test.t] (did you mean 'topology'?)");
  EXPECT_EQ(d.all()[0].rule, "unknown-key");
  EXPECT_EQ(d.all()[0].pos, (SourcePos{"a.toml", 2, 1}));
  EXPECT_EQ(d.all()[0].span, 7);
}

TEST(SchemaChecker, UnknownKeyWithoutCloseMatchListsValidKeys) {
  auto d = check("[preset.p]\nzzzzzzzz = 1\ntopology = \"1n1l1c1t\"\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d.all()[0].message, HasSubstr("unknown key 'zzzzzzzz' in [preset.p]"));
  EXPECT_THAT(d.all()[0].help, HasSubstr("topology"));
}

TEST(SchemaChecker, UnknownRootTable) {
  auto d = check("[tests.t]\n");
  EXPECT_EQ(only_message(d), "unknown key 'tests' (did you mean 'test'?)");
}

TEST(SchemaChecker, TypeNamesExpectedAndFound) {
  EXPECT_EQ(only_message(check(std::string("[test.t]\nduration_s = \"3\"\n") + kCgroup)),
            "duration_s must be a number, found string \"3\"");
  EXPECT_EQ(only_message(check(std::string("[test.t]\nreplicas = 2.5\n") + kCgroup)),
            "replicas must be an integer, found float 2.5");
  EXPECT_EQ(only_message(check(std::string("[test.t]\ndescription = { a = 1 }\n") + kCgroup)),
            "description must be a string, found table");
  EXPECT_EQ(check(std::string("[test.t]\nreplicas = 2.5\n") + kCgroup).all()[0].rule, "type");
}

TEST(SchemaChecker, EnumListsChoicesAndSuggests) {
  auto d = check("[test.t]\n[[test.t.cgroup]]\nname = \"c\"\nwork = \"spinn\"\n");
  const std::string m = only_message(d);
  EXPECT_THAT(m, HasSubstr("work = \"spinn\" is not one of: spin, yield"));
  EXPECT_THAT(m, HasSubstr("(did you mean 'spin'?)"));
  EXPECT_EQ(d.all()[0].rule, "enum");
  EXPECT_EQ(d.all()[0].pos, (SourcePos{"a.toml", 4, 8}));  // the value, not the key
}

TEST(SchemaChecker, RangeStatesTheBoundAndTheValue) {
  EXPECT_EQ(only_message(
                check(std::string("[test.t]\n") + kCgroup + "[test.t.checks]\nmax_gap_ms = -5\n")),
            "max_gap_ms must be at least 0, got -5");
  EXPECT_EQ(only_message(check(std::string("[test.t]\n") + kCgroup +
                               "[test.t.checks]\nmax_spread_pct = 150.0\n")),
            "max_spread_pct must be at most 100, got 150.0");
  EXPECT_EQ(only_message(check(std::string("[test.t]\n") + kCgroup +
                               "[test.t.checks]\nsustained_samples = 0\n")),
            "sustained_samples must be at least 1, got 0");
  EXPECT_EQ(only_message(check("[test.t]\n[[test.t.cgroup]]\nname = \"c\"\nnice = -21\n")),
            "nice must be at least -20, got -21");
}

TEST(SchemaChecker, PatternDescribesTheExpectedForm) {
  EXPECT_EQ(only_message(check(std::string("[test.t]\ntopology = \"2l4c\"\n") + kCgroup)),
            "topology = \"2l4c\" is not in the expected form: NnLlCcTt, e.g. 1n2l4c1t");
  EXPECT_THAT(
      only_message(check("[test.t]\n[[test.t.cgroup]]\nname = \"c\"\ncpuset = \"llc=0\"\n")),
      HasSubstr("cpuset = \"llc=0\" is not in the expected form: llc:N"));
  EXPECT_THAT(only_message(check("[test.t]\n[[test.t.cgroup]]\nname = \"c\"\npolicy = \"fifo\"\n")),
              HasSubstr("fifo:P"));
}

TEST(SchemaChecker, TopologyUnionPicksTheBranchByType) {
  // A string is checked against the string form only...
  auto s = check(std::string("[test.t]\ntopology = \"1n2l\"\n") + kCgroup);
  EXPECT_THAT(only_message(s), HasSubstr("NnLlCcTt"));
  // ...and a table against the table form: the problem is inside it, not "must be a string".
  auto t = check(std::string("[test.t]\ntopology = { llcs = \"two\" }\n") + kCgroup);
  const std::string m = only_message(t);
  EXPECT_THAT(m, HasSubstr("llcs must be an integer, found string \"two\""));
  auto u = check(std::string("[test.t]\ntopology = { cpus = 4 }\n") + kCgroup);
  EXPECT_THAT(only_message(u), HasSubstr("unknown key 'cpus'"));
  // Neither a string nor a table.
  auto n = check(std::string("[test.t]\ntopology = 4\n") + kCgroup);
  ASSERT_FALSE(n.empty());
  EXPECT_EQ(n.all()[0].rule, "type");
}

TEST(SchemaChecker, MissingRequiredKeyNamesTheTable) {
  EXPECT_EQ(only_message(check("[payload.hb]\nargs = []\n")),
            "missing required key 'binary' in [payload.hb]");
}

TEST(SchemaChecker, ReservedSchedulerName) {
  auto d = check("[scheduler.eevdf]\nbinary = \"x\"\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d.all()[0].message, HasSubstr("'eevdf' is a reserved scheduler name"));
}

TEST(SchemaChecker, CollectsEveryProblemOfTheFile) {
  auto d = check(
      "[test.t]\nduration_s = \"x\"\n[[test.t.cgroup]]\nname = \"c\"\nwork = \"nope\"\n"
      "[payload.p]\n");
  EXPECT_EQ(d.size(), 3u);
}

TEST(SchemaCheckerValue, ChecksOneValueAtAPointer) {
  const auto& s = SchemaChecker::spec();
  EXPECT_THAT(s.check_value("/test/_/checks/max_gap_ms", 500), IsEmpty());
  EXPECT_THAT(s.check_value("/test/_/checks/max_gap_ms", -1),
              ElementsAre("max_gap_ms must be at least 0, got -1"));
  EXPECT_THAT(s.check_value("/test/_/duration_s", "abc"),
              ElementsAre("duration_s must be a number, found string \"abc\""));
  EXPECT_THAT(s.check_value("/test/_/topology", "1n2l2c1t"), IsEmpty());
}

TEST(SchemaCheckerKeys, AllowedKeysAndTomlPath) {
  const nlohmann::json root = {{"test", {{"t", nlohmann::json::object()}}}};
  auto keys = SchemaChecker::spec().allowed_keys(root, "/test/t");
  EXPECT_THAT(keys, ::testing::Contains("topology"));
  EXPECT_THAT(keys, ::testing::Contains("checks"));
  EXPECT_EQ(toml_path("/test/a/cgroup/1/work"), "test.a.cgroup[1].work");
}

}  // namespace
}  // namespace ktstr
