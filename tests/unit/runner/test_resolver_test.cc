// The merge chain: built-in -> ktstr.toml [defaults] -> scheduler -> file
// [defaults] -> test -> --set, field by field, each value with its origin.
#include "runner/test_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using testing::SpecTestDir;

constexpr const char* kProject = R"(# project
[defaults]
duration_s = 4
memory_mib = 1024
sysctls = { "kernel.a" = "1" }
kargs = ["quiet"]
[defaults.checks]
max_gap_ms = 4000
max_spread_pct = 30.0
not_starved = false
)";

constexpr const char* kSched = R"([scheduler.simple]
binary = "scx_simple"
topology = "1n2l2c1t"
watchdog_timeout_s = 8
sysctls = { "kernel.b" = "2", "kernel.a" = "9" }
kargs = ["nosoftlockup"]
[scheduler.simple.checks]
max_gap_ms = 3000
max_spread_pct = 25.0
)";

constexpr const char* kTests = R"([defaults]
duration_s = 5
[defaults.checks]
max_spread_pct = 20.0

[test.fair]
scheduler = "simple"
topology = { cores = 4 }
kargs = ["mitigations=off"]
sysctls = { "kernel.c" = "3" }
[[test.fair.cgroup]]
name = "cg_0"
[test.fair.checks]
max_spread_pct = 10.0
)";

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("ktstr.toml", kProject);
    dir_.write("specs/sched.toml", kSched);
    tests_file_ = dir_.write("specs/tests.toml", kTests);
  }
  LoadedSpecs load(std::vector<std::string> sets = {}) {
    SpecOptions o;
    o.paths = {dir_.path("specs")};
    o.sets = std::move(sets);
    o.check_plugins = false;
    return load_and_resolve(o);
  }
  static const ResolvedTest& only(const LoadedSpecs& s) {
    EXPECT_EQ(s.tests.size(), 1u);
    return s.tests.at(0);
  }
  SpecTestDir dir_;
  std::string tests_file_;
};

TEST_F(ResolverTest, EachLayerOverridesThePreviousFieldByField) {
  auto s = load();
  ASSERT_TRUE(s.ok()) << render_text(s.diags, s.set->sources, {});
  const ResolvedTest& t = only(s);
  EXPECT_EQ(t.full_name, "ktstr/fair");
  // built-in, untouched by any layer
  EXPECT_EQ(t.get("replicas")->value, 1);
  EXPECT_EQ(t.get("replicas")->origin.layer, Origin::Layer::kBuiltin);
  // project only
  EXPECT_EQ(t.get("memory_mib")->value, 1024);
  EXPECT_EQ(t.get("memory_mib")->origin.layer, Origin::Layer::kProject);
  EXPECT_EQ(t.get("checks.not_starved")->value, false);
  // scheduler beats project
  EXPECT_EQ(t.get("checks.max_gap_ms")->value, 3000);
  EXPECT_EQ(t.get("checks.max_gap_ms")->origin.layer, Origin::Layer::kScheduler);
  EXPECT_EQ(t.get("watchdog_timeout_s")->value, 8);
  // file [defaults] beats project
  EXPECT_EQ(t.get("duration_s")->value, 5);
  EXPECT_EQ(t.get("duration_s")->origin.layer, Origin::Layer::kFileDefaults);
  // test beats file [defaults] and scheduler
  EXPECT_EQ(t.get("checks.max_spread_pct")->value, 10.0);
  EXPECT_EQ(t.get("checks.max_spread_pct")->origin.layer, Origin::Layer::kTest);
  // topology: the test sets only cores; the rest come from the scheduler
  EXPECT_EQ(t.topology().str(), "1n2l4c1t");
  EXPECT_EQ(t.get("topology.cores")->origin.layer, Origin::Layer::kTest);
  EXPECT_EQ(t.get("topology.llcs")->origin.layer, Origin::Layer::kScheduler);
}

TEST_F(ResolverTest, SetBeatsEverything) {
  auto s = load({"max_spread_pct=5", "duration_s=7", "checks.max_gap_ms=100"});
  ASSERT_TRUE(s.ok()) << render_text(s.diags, s.set->sources, {});
  const ResolvedTest& t = only(s);
  EXPECT_EQ(t.get("checks.max_spread_pct")->value, 5);
  EXPECT_EQ(t.get("checks.max_spread_pct")->origin.describe(), "--set max_spread_pct=5");
  EXPECT_EQ(t.get("duration_s")->value, 7);
  EXPECT_EQ(t.get("checks.max_gap_ms")->value, 100);
}

TEST_F(ResolverTest, OriginDescriptionsNameLayerAndFileLine) {
  auto s = load();
  ASSERT_TRUE(s.ok());
  const ResolvedTest& t = only(s);
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  EXPECT_EQ(t.get("replicas")->origin.describe(), "built-in");
  const std::string proj = t.get("memory_mib")->origin.describe();
  EXPECT_TRUE(proj.starts_with("project (") && ends_with(proj, "ktstr.toml:4)")) << proj;
  const std::string sched = t.get("watchdog_timeout_s")->origin.describe();
  EXPECT_TRUE(sched.starts_with("scheduler simple (") && ends_with(sched, "sched.toml:4)"))
      << sched;
  const std::string fdef = t.get("duration_s")->origin.describe();
  EXPECT_TRUE(fdef.starts_with("file [defaults] (") && ends_with(fdef, "tests.toml:2)")) << fdef;
  const std::string test = t.get("checks.max_spread_pct")->origin.describe();
  EXPECT_TRUE(test.starts_with("test (") && ends_with(test, "tests.toml:14)")) << test;
  EXPECT_THAT(t.get("timeout_s")->origin.describe(), HasSubstr("derived ("));
  EXPECT_EQ(t.get("timeout_s")->value, 90 + 2 * 5 + 4 * 8);
}

TEST(OriginDescribe, EveryLayer) {
  SourcePos p{"a.toml", 4, 2};
  EXPECT_EQ((Origin{Origin::Layer::kBuiltin, "", {}}).describe(), "built-in");
  EXPECT_EQ((Origin{Origin::Layer::kProject, "", {"ktstr.toml", 4, 1}}).describe(),
            "project (ktstr.toml:4)");
  EXPECT_EQ((Origin{Origin::Layer::kScheduler, "simple", {"a.toml", 14, 1}}).describe(),
            "scheduler simple (a.toml:14)");
  EXPECT_EQ((Origin{Origin::Layer::kFileDefaults, "", {"a.toml", 30, 1}}).describe(),
            "file [defaults] (a.toml:30)");
  EXPECT_EQ((Origin{Origin::Layer::kTest, "", {"a.toml", 44, 1}}).describe(), "test (a.toml:44)");
  EXPECT_EQ((Origin{Origin::Layer::kCommandLine, "max_gap_ms=500", {}}).describe(),
            "--set max_gap_ms=500");
  EXPECT_EQ((Origin{Origin::Layer::kDerived, "why", p}).describe(), "derived (why)");
}

TEST_F(ResolverTest, SysctlsAddUpAcrossLayers) {
  auto s = load();
  ASSERT_TRUE(s.ok());
  const ResolvedTest& t = only(s);
  EXPECT_EQ(t.get("sysctls.kernel.a")->value, "9");  // scheduler overrides project
  EXPECT_EQ(t.get("sysctls.kernel.b")->value, "2");
  EXPECT_EQ(t.get("sysctls.kernel.c")->value, "3");
  EXPECT_EQ(t.tree()["sysctls"].size(), 3u);
  EXPECT_EQ(t.tree()["sysctls"]["kernel.c"], "3");
}

TEST_F(ResolverTest, KargsConcatenateInLayerOrder) {
  auto s = load();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(only(s).get("kargs")->value,
            nlohmann::json({"quiet", "nosoftlockup", "mitigations=off"}));
}

TEST_F(ResolverTest, MergedTopologyRuleCitesTheTest) {
  dir_.write("specs/tests.toml",
             "[test.x]\nscheduler = \"simple\"\ntopology = { numa_nodes = 2 }\n"
             "[[test.x.cgroup]]\nname = \"c\"\n");
  dir_.write("specs/sched.toml", "[scheduler.simple]\nbinary = \"b\"\ntopology = \"1n3l2c1t\"\n");
  auto s = load();
  ASSERT_EQ(s.diags.size(), 1u);
  EXPECT_EQ(s.diags.all()[0].message, "test 'x': llcs (3) must be divisible by numa_nodes (2)");
  EXPECT_EQ(s.diags.all()[0].pos.line, 3);
}

TEST(ParseSet, BareCheckNamesGoUnderChecks) {
  Diagnostics d;
  auto o = parse_set_overrides(
      {"max_gap_ms=500", "duration_s=3", "scheduler=simple", "topology=1n2l2c1t"}, d);
  ASSERT_TRUE(d.empty()) << render_text(d, {}, {});
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].key, "checks.max_gap_ms");
  EXPECT_EQ(o[0].value, 500);
  EXPECT_EQ(o[0].text, "max_gap_ms=500");
  EXPECT_EQ(o[1].key, "duration_s");
  EXPECT_EQ(o[2].value, "simple");  // a bare word is a string
  EXPECT_EQ(o[3].value, "1n2l2c1t");
}

// sysctl names contain dots: everything after "sysctls." is one key.
TEST(ParseSet, SysctlKeysAreAccepted) {
  Diagnostics d;
  auto o = parse_set_overrides({"sysctls.kernel.x=1"}, d);
  EXPECT_TRUE(d.empty()) << render_text(d, {}, {});
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].key, "sysctls.kernel.x");
}

TEST(ParseSet, ErrorsNameTheArgumentAndTheRule) {
  Diagnostics d;
  auto o =
      parse_set_overrides({"noequals", "=5", "max_gapms=1", "max_gap_ms=-1", "duration_s=abc"}, d);
  EXPECT_TRUE(o.empty());
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d.all()[0].pos.file, "--set noequals");
  EXPECT_THAT(d.all()[0].message, HasSubstr("expected KEY=VALUE"));
  EXPECT_THAT(d.all()[1].message, HasSubstr("expected KEY=VALUE"));
  EXPECT_EQ(d.all()[2].message, "unknown setting 'max_gapms' (did you mean 'max_gap_ms'?)");
  EXPECT_EQ(d.all()[3].message, "max_gap_ms must be at least 0, got -1");
  EXPECT_EQ(d.all()[4].message, "duration_s must be a number, found string \"abc\"");
  for (const auto& x : d.all()) EXPECT_EQ(x.rule, "set");
}

TEST(SetOverrides, MisleadingMessagesAreReworded) {
  // Issue 14: "found string" for 1e400, "unknown key" for a sysctl path.
  Diagnostics d;
  parse_set_overrides({"duration_s=1e400", "sysctls.kernel/foo=1"}, d);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_THAT(d.all()[0].message, HasSubstr("1e400 is out of range"));
  EXPECT_THAT(d.all()[1].message, HasSubstr("'kernel/foo' is not a sysctl name"));
}

TEST(SetOverrides, ATopologyNumberOutOfRangeIsRefusedNotDropped) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t]\n[[test.t.cgroup]]\nname = \"c\"\n");
  SpecOptions o;
  o.paths = {dir.path()};
  o.sets = {"topology=1n1l4294967298c1t"};
  auto specs = load_and_resolve(o);
  ASSERT_EQ(specs.diags.size(), 1u);
  EXPECT_THAT(specs.diags.all()[0].message,
              HasSubstr("cores per llc (4294967298) must be at most 288"));
}

}  // namespace
}  // namespace ktstr
