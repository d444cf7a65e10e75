// extra_include_files resolve at spec time: a missing file is a spec error at
// the entry's position; directories are walked; bare names come from PATH.
#include "runner/include_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::SpecTestDir;

LoadedSpecs load_includes(const SpecTestDir& dir, const std::string& list,
                          const std::string& extra = "") {
  dir.write("specs/t.toml", "[test.a]\nextra_include_files = " + list + "\n" + extra +
                                "[[test.a.cgroup]]\nname = \"cg_0\"\n");
  SpecOptions o;
  o.paths = {dir.path("specs/t.toml")};
  o.check_plugins = false;
  return load_and_resolve(o);
}

TEST(IncludeFiles, AMissingFileIsASpecErrorAtTheEntry) {
  SpecTestDir dir;
  auto s = load_includes(dir, "[\"/nonexistent/file\"]");
  ASSERT_EQ(s.diags.size(), 1u);
  EXPECT_EQ(s.diags.all()[0].message,
            "test 'a': extra_include_files: '/nonexistent/file' does not exist");
  EXPECT_EQ(s.diags.all()[0].pos.line, 2);
  EXPECT_EQ(s.diags.all()[0].pos.col, 24);  // the string itself
}

TEST(IncludeFiles, RelativePathsAreRelativeToTheSpecFile) {
  SpecTestDir dir;
  dir.write("specs/data/probe.sh", "#!/bin/sh\n");
  auto s = load_includes(dir, "[\"data/probe.sh\"]");
  EXPECT_TRUE(s.ok()) << (s.diags.empty() ? "" : s.diags.all()[0].message);
  auto bad = load_includes(dir, "[\"probe.sh/../nope\"]");
  EXPECT_FALSE(bad.ok());
}

TEST(IncludeFiles, ABareNameIsLookedUpOnPath) {
  SpecTestDir dir;
  dir.write("bin/mytool", "x");
  const std::string path = dir.path("nope") + ":" + dir.path("bin");
  IncludeEntry e = resolve_include_entry("mytool", "/", path.c_str());
  ASSERT_EQ(e.error, "");
  ASSERT_EQ(e.files.size(), 1u);
  EXPECT_EQ(e.files[0].host, fs::path(dir.path("bin")) / "mytool");
  EXPECT_EQ(e.files[0].guest_path, "/ktstr/include/mytool");
  IncludeEntry missing = resolve_include_entry("no-such-tool-here", "/", dir.path("bin").c_str());
  EXPECT_THAT(missing.error, HasSubstr("'no-such-tool-here' was not found on PATH"));
}

TEST(IncludeFiles, DirectoriesAreCopiedRecursivelyInOrder) {
  SpecTestDir dir;
  dir.write("tree/b.txt", "bb");
  dir.write("tree/sub/a.txt", "a");
  IncludeEntry e = resolve_include_entry(dir.path("tree"), "/", nullptr);
  ASSERT_EQ(e.error, "");
  ASSERT_EQ(e.files.size(), 2u);
  EXPECT_EQ(e.files[0].guest_path, "/ktstr/include/tree/b.txt");
  EXPECT_EQ(e.files[1].guest_path, "/ktstr/include/tree/sub/a.txt");
  EXPECT_EQ(e.bytes, 3u);
}

TEST(IncludeFiles, ExecutableElfFilesShipTheirLibraries) {
  IncludeEntry e = resolve_include_entry("/bin/true", "/", nullptr);
  ASSERT_EQ(e.error, "");
  EXPECT_TRUE(e.files.at(0).elf_program);
  SpecTestDir dir;
  dir.write("script.sh", "#!/bin/sh\n");
  fs::permissions(dir.path("script.sh"), fs::perms::owner_all);
  EXPECT_FALSE(resolve_include_entry(dir.path("script.sh"), "/", nullptr).files.at(0).elf_program);
}

TEST(IncludeFiles, TwoEntriesWithTheSameNameAreRefused) {
  SpecTestDir dir;
  dir.write("specs/x/f.txt", "1");
  dir.write("specs/y/f.txt", "2");
  auto s = load_includes(dir, "[\"x/f.txt\", \"y/f.txt\"]");
  ASSERT_EQ(s.diags.size(), 1u);
  EXPECT_THAT(s.diags.all()[0].message,
              HasSubstr("'x/f.txt' and 'y/f.txt' both become /ktstr/include/f.txt"));
}

TEST(IncludeFiles, TheBudgetFollowsTheMemoryFloorRule) {
  EXPECT_EQ(include_budget_bytes(256), 26u << 20);    // (256 - 128) / 3 - 16
  EXPECT_EQ(include_budget_bytes(2048), 256u << 20);  // capped
  EXPECT_EQ(include_budget_bytes(100), 0u);
}

TEST(IncludeFiles, MoreThanTheGuestCanUnpackIsRefused) {
  SpecTestDir dir;
  dir.write("specs/big.bin", std::string(27u << 20, 'x'));
  auto s = load_includes(dir, "[\"./big.bin\"]", "memory_mib = 256\n");
  ASSERT_EQ(s.diags.size(), 1u);
  EXPECT_THAT(s.diags.all()[0].message,
              HasSubstr("add up to 27.0 MiB, more than the 26 MiB a guest of 256 MiB can unpack"));
}

}  // namespace
}  // namespace ktstr
