#include "report/atomic_write.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ktstr {
namespace {

namespace fs = std::filesystem;

class AtomicWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ktstr_atomic_write_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  size_t entries() {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

TEST_F(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
  ASSERT_EQ(write_file_atomically(dir_ / "f", "old"), "");
  ASSERT_EQ(write_file_atomically(dir_ / "f", std::string("new\0bytes", 9)), "");
  EXPECT_EQ(read(dir_ / "f"), std::string("new\0bytes", 9));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicWrite, AFailedWriteKeepsTheOldFileAndSaysWhere) {
  ASSERT_EQ(write_file_atomically(dir_ / "f", "old"), "");
  if (geteuid() == 0) GTEST_SKIP() << "root writes into a read-only directory";
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_EQ(write_file_atomically(dir_ / "f", "new"),
            "write " + (dir_ / "f").string() + ": Permission denied");
  EXPECT_EQ(read(dir_ / "f"), "old");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicWrite, RenamingOntoADirectoryFailsWithoutATemporaryLeft) {
  // Works as root too: rename(2) cannot replace a non-empty directory with a file.
  fs::create_directories(dir_ / "d" / "x");
  EXPECT_EQ(write_file_atomically(dir_ / "d", "new"),
            "write " + (dir_ / "d").string() + ": rename: Is a directory");
  EXPECT_EQ(entries(), 1u);
}

}  // namespace
}  // namespace ktstr
