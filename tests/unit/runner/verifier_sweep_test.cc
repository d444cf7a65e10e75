// The sweep's synthetic spec: which schedulers it loads (and the errors for
// none or a misspelt one), the tests it declares, and the expression that
// selects exactly them, with and without --all-profiles.
#include "runner/verifier_sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/plan.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SpecTestDir;

const char* kSchedulers =
    "[scheduler.llc_fifo]\nbinary = \"/bin/true\"\n"
    "[scheduler.llc_fifo.flags.llc]\nargs = [\"--llc\"]\n"
    "[scheduler.llc_fifo.flags.steal]\nargs = [\"--steal\"]\nrequires = [\"llc\"]\n"
    "[scheduler.big]\nbinary = \"/bin/true\"\ntopology = \"1n2l1c1t\"\n"
    "[test.own]\nscheduler = \"llc_fifo\"\n[[test.own.cgroup]]\nname = \"cg_0\"\n";

LoadedSpecs load(const std::vector<std::string>& paths) {
  SpecOptions o;
  o.paths = paths;
  o.check_plugins = false;
  return load_and_resolve(o);
}

std::string messages(const LoadedSpecs& s) {
  std::string all;
  for (const auto& d : s.diags.all()) all += d.message + "\n";
  return all;
}

TEST(VerifierSweep, EverySchedulerByNameOrTheOnesAskedFor) {
  SpecTestDir dir;
  const auto s = load({dir.write("s.toml", kSchedulers)});
  ASSERT_TRUE(s.ok()) << messages(s);
  std::vector<std::string> picked;
  EXPECT_EQ(pick_sweep_schedulers(s.catalog, {}, {"s.toml"}, &picked), "");
  EXPECT_THAT(picked, ElementsAre("big", "llc_fifo"));
  EXPECT_EQ(pick_sweep_schedulers(s.catalog, {"llc_fifo", "llc_fifo"}, {"s.toml"}, &picked), "");
  EXPECT_THAT(picked, ElementsAre("llc_fifo"));
}

TEST(VerifierSweep, AnUnknownSchedulerGetsADidYouMean) {
  SpecTestDir dir;
  const auto s = load({dir.write("s.toml", kSchedulers)});
  std::vector<std::string> picked;
  EXPECT_EQ(pick_sweep_schedulers(s.catalog, {"llc_fifp"}, {"specs/"}, &picked),
            "--scheduler llc_fifp: no [scheduler.llc_fifp] in specs/ (did you mean 'llc_fifo'?); "
            "the specs declare big, llc_fifo");
}

TEST(VerifierSweep, SpecsWithoutASchedulerAreAnError) {
  SpecTestDir dir;
  const auto s = load({dir.write("t.toml", "[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n")});
  ASSERT_TRUE(s.ok()) << messages(s);
  std::vector<std::string> picked;
  EXPECT_THAT(pick_sweep_schedulers(s.catalog, {}, {"a.toml", "b/"}, &picked),
              HasSubstr("no sched_ext scheduler in a.toml, b/: the sweep loads the "
                        "[scheduler.NAME] tables"));
}

// The plan of the user's specs plus the sweep's, filtered by the sweep's expression.
std::vector<std::string> swept(const SpecTestDir& dir, bool all_profiles) {
  const std::string user = dir.write("s.toml", kSchedulers);
  const auto s = load({user});
  SweepSpec sweep;
  EXPECT_EQ(make_sweep_spec(s, {"big", "llc_fifo"}, all_profiles, &sweep), "");
  const auto both = load({user, dir.write("sweep/verifier.toml", sweep.toml)});
  EXPECT_TRUE(both.ok()) << messages(both) << sweep.toml;
  std::string error;
  auto e = FilterExpr::parse(sweep.filter_expr, &error);
  EXPECT_TRUE(e) << error;
  PlanOptions o;
  o.exprs = {*e};
  std::vector<std::string> names;
  for (const auto& i : make_plan(both.tests, {}, o).instances) names.push_back(i.name);
  return names;
}

TEST(VerifierSweep, ThePlainProfileByDefaultEveryProfileOnRequest) {
  SpecTestDir dir;
  // The user's own test (ktstr/own) is never selected.
  EXPECT_THAT(swept(dir, false), ElementsAre("ktstr/verifier.big", "ktstr/verifier.llc_fifo"));
  EXPECT_THAT(swept(dir, true),
              ElementsAre("ktstr/verifier.big", "ktstr/verifier.llc_fifo",
                          "ktstr/verifier.llc_fifo/llc", "ktstr/verifier.llc_fifo/llc+steal"));
}

TEST(VerifierSweep, ATinyShortTestWithTheChecksThatCannotMatterOff) {
  SpecTestDir dir;
  const auto s = load({dir.write("s.toml", kSchedulers)});
  SweepSpec sweep;
  ASSERT_EQ(make_sweep_spec(s, {"big", "llc_fifo"}, false, &sweep), "");
  const auto both = load({dir.path("s.toml"), dir.write("v/verifier.toml", sweep.toml)});
  ASSERT_TRUE(both.ok()) << messages(both);
  for (const auto& t : both.tests) {
    if (!t.name.starts_with("verifier.")) continue;
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.value_or<double>("duration_s", 0), 1);
    EXPECT_EQ(t.value_or<bool>("checks.not_starved", true), false);
    EXPECT_EQ(t.value_or<bool>("allow_inconclusive", false), true);
    // big declares its topology (a requirement); llc_fifo gets the smallest VM.
    EXPECT_EQ(t.topology().str(), t.name == "verifier.big" ? "1n2l1c1t" : "1n1l2c1t");
  }
}

TEST(VerifierSweep, AConfigFileSchedulerTakesATestsConfig) {
  SpecTestDir dir;
  const std::string sched =
      "[scheduler.cfg]\nbinary = \"/bin/true\"\nconfig_file = \"/etc/cfg.json\"\n";
  const auto none = load({dir.write("a.toml", sched)});
  SweepSpec sweep;
  EXPECT_THAT(make_sweep_spec(none, {"cfg"}, false, &sweep),
              HasSubstr("a.toml:1) declares config_file, so loading it needs a "
                        "test's `config`"));
  const auto with = load({dir.write(
      "a.toml",
      sched + "[test.t]\nscheduler = \"cfg\"\nconfig = \"{\\\"q\\\": \\\"a\\\\\\\\b\\n\\\"}\"\n"
              "[[test.t.cgroup]]\nname = \"cg_0\"\n")});
  ASSERT_TRUE(with.ok()) << messages(with);
  ASSERT_EQ(make_sweep_spec(with, {"cfg"}, false, &sweep), "");
  const auto both = load({dir.path("a.toml"), dir.write("v/verifier.toml", sweep.toml)});
  ASSERT_TRUE(both.ok()) << messages(both) << sweep.toml;
  for (const auto& t : both.tests) {
    if (t.name == "verifier.cfg") {
      EXPECT_EQ(t.value_or<std::string>("config", ""), "{\"q\": \"a\\\\b\n\"}");
    }
  }
}

TEST(VerifierSweep, TomlQuoteEscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(toml_quote("a\"b\\c\n\x1b"), "\"a\\\"b\\\\c\\u000A\\u001B\"");
  EXPECT_THAT(toml_quote("plain"), Not(HasSubstr("\\")));
}

}  // namespace
}  // namespace ktstr
