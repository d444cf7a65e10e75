// Discovery and loading: which files a run reads, and which project file
// (ktstr.toml) each spec uses.
#include "runner/spec_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
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

// Issue 14: inputs that crashed or hung `check`, each now one clear error.
Diagnostics load_one_file(const std::string& path) {
  Diagnostics d;
  load_specs({path}, d);
  return d;
}

TEST(HostileInput, DottedKeyTenThousandLevelsDeepIsRefusedNotACrash) {
  SpecTestDir dir;
  std::string key = "a";
  for (int i = 0; i < 10000; ++i) key += ".a";
  const Diagnostics d = load_one_file(dir.write("deep.toml", key + " = 1\n"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "depth");
  EXPECT_THAT(d.all()[0].message, HasSubstr("nest more than 64 levels"));
  EXPECT_EQ(d.all()[0].pos.line, 1);
}

TEST(HostileInput, TableHeaderTenThousandLevelsDeepIsRefused) {
  SpecTestDir dir;
  std::string key = "test";
  for (int i = 0; i < 10000; ++i) key += ".t";
  const Diagnostics d = load_one_file(dir.write("deep.toml", "# header\n[" + key + "]\n"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "depth");
  EXPECT_EQ(d.all()[0].pos.line, 2);
}

TEST(HostileInput, NestingAddsUpAcrossHeadersKeysAndInlineTables) {
  SpecTestDir dir;
  // 40 levels of header, then 30 of inline tables: 70 in all.
  std::string header = "test";
  for (int i = 0; i < 39; ++i) header += ".t";
  std::string value = "1";
  for (int i = 0; i < 30; ++i) value = "{ k = " + value + " }";
  const Diagnostics d = load_one_file(dir.write("deep.toml", "[" + header + "]\nx = " + value));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "depth");
}

TEST(HostileInput, DotsInStringsCommentsAndFloatsDoNotCount) {
  SpecTestDir dir;
  const std::string dots(200, '.');
  const Diagnostics d = load_one_file(dir.write(
      "ok.toml", "# " + dots + "\n[test.\"" + dots + "\"]\ndescription = '" + dots +
                     "'\nkargs = [\"" + dots + "\"]\n[[test.\"" + dots +
                     "\".cgroup]]\nname = \"c\"\nwork_args = { a = 1.5, b = 2.5, c = 3.5 }\n"));
  for (const auto& e : d.all()) EXPECT_NE(e.rule, "depth") << e.message;
}

TEST(HostileInput, ATestNameOver128CharactersIsRefused) {
  SpecTestDir dir;
  const std::string name(300, 'n');
  const Diagnostics d = load_one_file(
      dir.write("a.toml", "[test." + name + "]\n[[test." + name + ".cgroup]]\nname = \"c\"\n"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "name");
  EXPECT_THAT(d.all()[0].message, HasSubstr("is 300 characters long; names are at most 128"));
}

TEST(HostileInput, AVeryLongCgroupNameIsRefusedNotACrash) {
  // std::regex recurses per character and overflowed the stack at ~25 000.
  SpecTestDir dir;
  const Diagnostics d = load_one_file(dir.write(
      "a.toml", "[test.t]\n[[test.t.cgroup]]\nname = \"" + std::string(100000, 'c') + "\"\n"));
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "length");
  EXPECT_THAT(d.all()[0].message, HasSubstr("a string of 100000 bytes"));
}

TEST(HostileInput, AVeryLongKeyIsRefused) {
  SpecTestDir dir;
  const Diagnostics d =
      load_one_file(dir.write("a.toml", "[test.t.sysctls]\n" + std::string(50000, 'k') + " = 1\n"));
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "length");
  EXPECT_THAT(d.all()[0].message, HasSubstr("keys are at most 1024 bytes"));
}

TEST(HostileInput, ADeviceIsNotASpec) {
  const Diagnostics d = load_one_file("/dev/zero");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "io");
  EXPECT_EQ(d.all()[0].message,
            "a character device, not a regular file: specs are regular TOML files");
}

TEST(HostileInput, AFifoIsRefusedWithoutBlocking) {
  SpecTestDir dir;
  ASSERT_EQ(mkfifo(dir.path("pipe.toml").c_str(), 0600), 0);
  const Diagnostics d = load_one_file(dir.path("pipe.toml"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d.all()[0].message, HasSubstr("a FIFO, not a regular file"));
}

TEST(HostileInput, AFileOverFourMebibytesIsRefused) {
  SpecTestDir dir;
  const std::string big = "# " + std::string(kMaxSpecFileBytes, 'x') + "\n";
  const Diagnostics d = load_one_file(dir.write("big.toml", big));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].message,
            "the file is larger than 4194304 bytes (4 MiB), the limit for a spec file");
}

TEST(HostileInput, AFileNotNamedTomlIsNotQuoted) {
  SpecTestDir dir;
  const std::string path = dir.write("shadow", "root:$6$secret-hash:19000:0:99999:7:::\n");
  Diagnostics d;
  SpecSet set = load_specs({path}, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.all()[0].rule, "toml-syntax");
  EXPECT_THAT(d.all()[0].help, HasSubstr("not shown"));
  const std::string out = render_text(d, set.sources, {});
  EXPECT_THAT(out, Not(HasSubstr("secret")));
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
