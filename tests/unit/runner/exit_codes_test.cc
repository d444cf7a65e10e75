// One test per row of the exit-code table that the spec commands can produce
// (0 valid, 2 spec or usage errors), plus the table's values themselves.
#include "runner/exit_codes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "runner/spec_commands.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using testing::SpecTestDir;

SpecOptions options_for(const std::string& path) {
  SpecOptions o;
  o.paths = {path};
  o.check_plugins = false;
  return o;
}

TEST(ExitCodes, DocumentedValues) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitTestFailed, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitInfra, 3);
  EXPECT_EQ(kExitInterrupted, 130);
}

TEST(ExitCodes, CheckValidSpecIsZeroAndSaysOk) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t]\n[[test.t.cgroup]]\nname = \"c\"\n");
  std::ostringstream out;
  EXPECT_EQ(run_check(options_for(dir.path()), false, out), kExitOk);
  EXPECT_EQ(out.str(), "ok: 1 file, 1 test\n");
  std::ostringstream js;
  EXPECT_EQ(run_check(options_for(dir.path()), true, js), kExitOk);
  EXPECT_EQ(nlohmann::json::parse(js.str())["tests"], 1);
}

TEST(ExitCodes, CheckSpecErrorIsTwo) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t]\ntoplogy = \"1n1l1c1t\"\n[[test.t.cgroup]]\nname = \"c\"\n");
  std::ostringstream out;
  EXPECT_EQ(run_check(options_for(dir.path()), false, out), kExitUsage);
  EXPECT_EQ(out.str(), "");  // problems go to stderr, nothing to stdout
}

TEST(ExitCodes, CheckMissingPathIsTwo) {
  std::ostringstream out;
  EXPECT_EQ(run_check(options_for("/nonexistent/ktstr/specs"), false, out), kExitUsage);
}

TEST(ExitCodes, CheckBadSetIsTwo) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t]\n[[test.t.cgroup]]\nname = \"c\"\n");
  auto o = options_for(dir.path());
  o.sets = {"no_such_setting=1"};
  std::ostringstream out;
  EXPECT_EQ(run_check(o, false, out), kExitUsage);
}

TEST(ExitCodes, ListAndExplain) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t]\ndescription = \"d\"\n[[test.t.cgroup]]\nname = \"c\"\n");
  std::ostringstream list;
  EXPECT_EQ(run_list(options_for(dir.path()), false, list), kExitOk);
  EXPECT_EQ(list.str(), "ktstr/t\n");  // one full name per line (SPEC)
  std::ostringstream verbose;
  EXPECT_EQ(run_list(options_for(dir.path()), false, verbose, true), kExitOk);
  EXPECT_THAT(verbose.str(), HasSubstr("ktstr/t  d"));
  std::ostringstream ex;
  EXPECT_EQ(run_explain(options_for(dir.path()), "ktstr/t", false, ex), kExitOk);
  EXPECT_THAT(ex.str(), HasSubstr("description"));
  std::ostringstream missing;
  EXPECT_EQ(run_explain(options_for(dir.path()), "nope", false, missing), kExitUsage);
}

}  // namespace
}  // namespace ktstr
