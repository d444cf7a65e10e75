// CgroupOps on a plain directory (the emulated cgroup2 files); the real
// cgroup2 path is exercised when the test runs as root on a cgroup2 mount.
#include "guest/cgroup_ops.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/statfs.h>

#include <filesystem>

namespace ktstr {
namespace {

namespace fs = std::filesystem;

class CgroupOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ktstr-cg-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CgroupOpsTest, ValidatesNames) {
  EXPECT_TRUE(CgroupOps::validate_name("cg_0").ok());
  EXPECT_TRUE(CgroupOps::validate_name("parent_a/work-1.x").ok());
  EXPECT_FALSE(CgroupOps::validate_name("").ok());
  EXPECT_FALSE(CgroupOps::validate_name("/abs").ok());
  EXPECT_FALSE(CgroupOps::validate_name("a/../b").ok());
  EXPECT_FALSE(CgroupOps::validate_name("a//b").ok());
  EXPECT_NE(CgroupOps::validate_name("a b").error.find("character ' '"), std::string::npos);
}

TEST_F(CgroupOpsTest, CreatesNestedCgroupsAndReportsNewDirectories) {
  CgroupOps ops(dir_ / "ktstr");
  ASSERT_TRUE(ops.init().ok());
  EXPECT_FALSE(ops.is_cgroup2());
  std::vector<std::string> created;
  ASSERT_TRUE(ops.create("a/b", &created).ok());
  EXPECT_EQ(created, (std::vector<std::string>{"a", "a/b"}));
  created.clear();
  ASSERT_TRUE(ops.create("a/c", &created).ok());
  EXPECT_EQ(created, (std::vector<std::string>{"a/c"}));
  EXPECT_TRUE(fs::is_directory(dir_ / "ktstr" / "a" / "c"));
}

TEST_F(CgroupOpsTest, MovingATaskTakesItOutOfItsPreviousCgroup) {
  CgroupOps ops(dir_ / "ktstr");
  ASSERT_TRUE(ops.init().ok());
  ASSERT_TRUE(ops.create("x").ok());
  ASSERT_TRUE(ops.create("y/z").ok());
  ASSERT_TRUE(ops.move_task("x", 100).ok());
  ASSERT_TRUE(ops.move_task("x", 101).ok());
  ASSERT_TRUE(ops.move_task("y/z", 100).ok());
  EXPECT_EQ(ops.procs("x"), std::vector<int>{101});
  EXPECT_EQ(ops.procs("y/z"), std::vector<int>{100});
  EXPECT_FALSE(ops.move_task("nope", 1).ok());
}

TEST_F(CgroupOpsTest, WritesAndClearsCpus) {
  CgroupOps ops(dir_ / "ktstr");
  ASSERT_TRUE(ops.init().ok());
  ASSERT_TRUE(ops.create("x").ok());
  ASSERT_TRUE(ops.set_cpus("x", "0-1").ok());
  EXPECT_EQ(ops.cpus("x"), "0-1");
  ASSERT_TRUE(ops.set_cpus("x", "").ok());
  EXPECT_EQ(ops.cpus("x"), "");
  EXPECT_NE(ops.set_cpus("nope", "0").error.find("does not exist"), std::string::npos);
}

TEST_F(CgroupOpsTest, RemovesSubtreesAndEverything) {
  CgroupOps ops(dir_ / "ktstr");
  ASSERT_TRUE(ops.init().ok());
  ASSERT_TRUE(ops.create("a/b").ok());
  ASSERT_TRUE(ops.move_task("a/b", 5).ok());
  ASSERT_TRUE(ops.remove("a").ok());
  EXPECT_FALSE(ops.exists("a"));
  EXPECT_FALSE(ops.remove("a").ok());
  ASSERT_TRUE(ops.create("c").ok());
  ASSERT_TRUE(ops.remove_all().ok());
  EXPECT_FALSE(fs::exists(dir_ / "ktstr"));
}

TEST_F(CgroupOpsTest, InitFailsWithoutTheParentDirectory) {
  CgroupOps ops(dir_ / "missing" / "ktstr");
  EXPECT_NE(ops.init().error.find("does not exist"), std::string::npos);
}

TEST(CgroupOpsReal, CreatesAndRemovesOnARealCgroup2Mount) {
  struct statfs st {};
  if (geteuid() != 0 || statfs("/sys/fs/cgroup", &st) != 0 ||
      static_cast<unsigned long>(st.f_type) != 0x63677270) {
    GTEST_SKIP() << "needs root and a cgroup2 mount at /sys/fs/cgroup";
  }
  CgroupOps ops("/sys/fs/cgroup/ktstr-unit-test");
  ASSERT_TRUE(ops.init().ok());
  EXPECT_TRUE(ops.is_cgroup2());
  ASSERT_TRUE(ops.create("a/b").ok());
  EXPECT_TRUE(ops.remove_all().ok());
}

}  // namespace
}  // namespace ktstr
