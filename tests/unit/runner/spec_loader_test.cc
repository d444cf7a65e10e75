// Discovery and loading: which files a run reads, and which project file
// (ktstr.toml) each spec uses.
#include "runner/spec_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using testing::SpecTestDir;
namespace fs = std::filesystem;

constexpr const char* kSpec = "[test.t]\n[[test.t.cgroup]]\nname = \"c\"\n";

std::vector<std::string> names(const std::vector<fs::path>& files, const SpecTestDir& dir) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.lexically_relative(dir.path()).string());
  return out;
}

TEST(Discover, RecursesSortedSkipsHiddenAndProjectFiles) {
  SpecTestDir dir;
  dir.write("b.toml", kSpec);
  dir.write("a.toml", kSpec);
  dir.write("sub/deeper/c.toml", kSpec);
  dir.write("sub/ktstr.toml", "");
  dir.write(".hidden/h.toml", kSpec);
  dir.write("sub/.git/x.toml", kSpec);
  dir.write("notes.txt", "");
  Diagnostics d;
  auto files = discover_spec_files({dir.path()}, d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(names(files, dir), (std::vector<std::string>{"a.toml", "b.toml", "sub/deeper/c.toml"}));
}

TEST(Discover, FileAndItsDirectoryLoadOnce) {
  SpecTestDir dir;
  const std::string a = dir.write("a.toml", kSpec);
  Diagnostics d;
  auto files = discover_spec_files({a, dir.path()}, d);
  EXPECT_EQ(files.size(), 1u);
}

TEST(Discover, MissingPathAndEmptyDirectoryAreErrors) {
  SpecTestDir dir;
  fs::create_directories(dir.path("empty"));
  Diagnostics d;
  auto files = discover_spec_files({dir.path("nope.toml"), dir.path("empty")}, d);
  EXPECT_TRUE(files.empty());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.all()[0].message, "no such file or directory");
  EXPECT_THAT(d.all()[1].message, HasSubstr("no spec files"));
}

TEST(LoadSpecs, NearestProjectFileAtOrAboveEachSpec) {
  SpecTestDir dir;
  dir.write("ktstr.toml", "[defaults]\nduration_s = 3\n");
  dir.write("top.toml", kSpec);
  dir.write("sub/ktstr.toml", "[defaults]\nduration_s = 4\n");
  dir.write("sub/inner/deep.toml", "[test.u]\n[[test.u.cgroup]]\nname = \"c\"\n");
  dir.write("other/o.toml", "[test.v]\n[[test.v.cgroup]]\nname = \"c\"\n");
  Diagnostics d;
  SpecSet set = load_specs({dir.path()}, d);
  ASSERT_TRUE(d.empty());
  ASSERT_EQ(set.specs.size(), 3u);     // ktstr.toml files are not specs
  ASSERT_EQ(set.projects.size(), 2u);  // each project file loaded once
  // discovery order: other/o.toml, sub/inner/deep.toml, top.toml
  EXPECT_EQ(set.projects[set.project_of[0]].root["defaults"]["duration_s"], 3);
  EXPECT_EQ(set.projects[set.project_of[1]].root["defaults"]["duration_s"], 4);
  EXPECT_EQ(set.projects[set.project_of[2]].root["defaults"]["duration_s"], 3);
}

TEST(LoadSpecs, RunTableOutsideProjectFileIsRejected) {
  SpecTestDir dir;
  dir.write("a.toml", std::string("[run]\njobs = 2\n") + kSpec);
  Diagnostics d;
  load_specs({dir.path()}, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "project-file");
  EXPECT_THAT(d.all()[0].message, HasSubstr("[run] settings belong in ktstr.toml"));
  EXPECT_EQ(d.all()[0].pos.line, 1);
}

TEST(LoadSpecs, TestTableInProjectFileIsRejected) {
  SpecTestDir dir;
  dir.write("ktstr.toml", std::string("[run]\njobs = 2\n") + kSpec);
  dir.write("a.toml", "[test.u]\n[[test.u.cgroup]]\nname = \"c\"\n");
  Diagnostics d;
  load_specs({dir.path()}, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d.all()[0].message, HasSubstr("[test] does not belong in ktstr.toml"));
}

TEST(LoadSpecs, SyntaxErrorLeavesTheFileOutButKeepsGoing) {
  SpecTestDir dir;
  dir.write("a.toml", "[test.t\n");
  dir.write("b.toml", kSpec);
  Diagnostics d;
  SpecSet set = load_specs({dir.path()}, d);
  EXPECT_EQ(set.specs.size(), 1u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "toml-syntax");
}

TEST(DisplayPath, RelativeBelowTheWorkingDirectory) {
  // In a directory of its own: run from /, every path would be "below" (issue 14).
  SpecTestDir dir;
  const fs::path old = fs::current_path();
  fs::current_path(dir.path());
  const fs::path cwd = fs::current_path();
  EXPECT_EQ(display_path(cwd / "x" / "a.toml"), "x/a.toml");
  EXPECT_EQ(display_path("/definitely/elsewhere/a.toml"), "/definitely/elsewhere/a.toml");
  fs::current_path(old);
}

}  // namespace
}  // namespace ktstr
