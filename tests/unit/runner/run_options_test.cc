// The run's command line: every option takes one value and repeats, paths
// come anywhere, and each option has a KTSTR_* twin the command line beats.
#include "runner/run_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

RunOptions parse(std::vector<std::string> args) {
  CLI::App app;
  RunOptions o;
  add_run_options(&app, o);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return o;
}

TEST(RunOptions, PathsMayComeBeforeBetweenAndAfterOptionsThatRepeat) {
  const RunOptions o = parse({"--kernel", "a", "specs/", "--kernel", "b", "-f", "x", "more/",
                              "--filter", "y", "-E", "test(z)", "last.toml"});
  EXPECT_THAT(o.specs.paths, ElementsAre("specs/", "more/", "last.toml"));
  EXPECT_THAT(o.kernels, ElementsAre("a", "b"));
  EXPECT_THAT(o.filters, ElementsAre("x", "y"));
  EXPECT_THAT(o.exprs, ElementsAre("test(z)"));
}

TEST(RunOptions, EnvironmentTwinsApplyWhenTheOptionIsAbsent) {
  setenv("KTSTR_FILTER", "from_env", 1);
  setenv("KTSTR_PARTITION", "hash:1/2", 1);
  setenv("KTSTR_RETRIES", "3", 1);
  setenv("KTSTR_FAIL_FAST", "1", 1);
  setenv("KTSTR_JOBS", "2", 1);
  const RunOptions o = parse({"specs/"});
  EXPECT_THAT(o.filters, ElementsAre("from_env"));
  EXPECT_EQ(o.partition, "hash:1/2");
  EXPECT_EQ(o.retries, 3);
  EXPECT_TRUE(o.fail_fast);
  EXPECT_EQ(o.jobs, 2);
  const RunOptions cli = parse({"specs/", "-f", "from_cli", "--partition", "count:2/2"});
  EXPECT_THAT(cli.filters, ElementsAre("from_cli"));
  EXPECT_EQ(cli.partition, "count:2/2");
  for (const char* v :
       {"KTSTR_FILTER", "KTSTR_PARTITION", "KTSTR_RETRIES", "KTSTR_FAIL_FAST", "KTSTR_JOBS"})
    unsetenv(v);
}

TEST(RunOptions, GauntletAndBudgetHaveTheirTwins) {
  setenv("KTSTR_GAUNTLET", "1", 1);
  setenv("KTSTR_BUDGET_SECS", "90.5", 1);
  const RunOptions o = parse({"specs/"});
  EXPECT_TRUE(o.gauntlet);
  ASSERT_TRUE(o.budget_s);
  EXPECT_DOUBLE_EQ(*o.budget_s, 90.5);
  const RunOptions cli = parse({"specs/", "--budget", "30"});
  EXPECT_DOUBLE_EQ(*cli.budget_s, 30);
  unsetenv("KTSTR_GAUNTLET");
  unsetenv("KTSTR_BUDGET_SECS");
  EXPECT_FALSE(parse({"specs/"}).gauntlet);
  EXPECT_THROW(parse({"specs/", "--budget", "soon"}), CLI::ParseError);
}

TEST(RunOptions, OutOfRangeValuesAreRefusedByName) {
  EXPECT_THROW(parse({"specs/", "-j", "0"}), CLI::ValidationError);
  EXPECT_THROW(parse({"specs/", "--repeat", "0"}), CLI::ValidationError);
  EXPECT_THROW(parse({"specs/", "--no-tests", "maybe"}), CLI::ValidationError);
  EXPECT_THROW(parse({"specs/", "--retries", "-1"}), CLI::ParseError);
  EXPECT_THROW(parse({"--kernel", "a"}), CLI::RequiredError);  // no path
}

TEST(RunOptions, ReportersParseAndRefuseWithDidYouMean) {
  std::string error;
  auto j = parse_reporter("junit=out/j.xml", &error);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->kind, ReporterSpec::Kind::kJunit);
  EXPECT_EQ(j->path, "out/j.xml");
  EXPECT_EQ(parse_reporter("json=s.json", &error)->kind, ReporterSpec::Kind::kJson);
  EXPECT_FALSE(parse_reporter("jsn=s.json", &error));
  EXPECT_THAT(error, HasSubstr("did you mean 'json'"));
  EXPECT_FALSE(parse_reporter("junit", &error));
  EXPECT_THAT(error, HasSubstr("expected KIND=PATH"));
  EXPECT_FALSE(parse_reporter("junit=", &error));
}

}  // namespace
}  // namespace ktstr
