#include "guest/sysctl.h"

#include <gtest/gtest.h>

#include "fake_sysfs.h"

namespace ktstr {
namespace {

TEST(Sysctl, DottedKeyMapsToProcSys) {
  EXPECT_EQ(sysctl_path("/proc", "kernel.sched_autogroup_enabled"),
            "/proc/sys/kernel/sched_autogroup_enabled");
  EXPECT_EQ(sysctl_path("/p", "net.ipv4.ip-forward"), "/p/sys/net/ipv4/ip-forward");
  for (const char* bad : {"", ".", "kernel.", ".kernel", "kernel..x", "kernel/x", "..", "a.b c"}) {
    EXPECT_EQ(sysctl_path("/proc", bad), "") << bad;
  }
}

TEST(Sysctl, WritesValuesAndReportsFailures) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "sys/kernel/sched_autogroup_enabled", "1\n");
  auto errors = apply_sysctls(
      dir.path(),
      {{"kernel.sched_autogroup_enabled", "0"}, {"kernel.missing", "1"}, {"../etc", "x"}});
  std::ifstream in(dir.path() / "sys/kernel/sched_autogroup_enabled");
  std::string value;
  std::getline(in, value);
  EXPECT_EQ(value, "0");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("'../etc'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("kernel.missing"), std::string::npos) << errors[1];
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "sys/kernel/missing"));
}

TEST(Sysctl, EveryFailureNamesTheSysctlTheValueAndTheErrno) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "sys/kernel/sched_autogroup_enabled", "1\n");
  auto errors = apply_sysctls(dir.path(), {{"kernel.no_such_sysctl_x", "1"}, {"kernel", "0"}});
  ASSERT_EQ(errors.size(), 2u);
  // std::map order: "kernel" (a directory, EISDIR) first.
  EXPECT_EQ(errors[0], "sysctl kernel = '0': open " + (dir.path() / "sys/kernel").string() +
                           ": Is a directory");
  EXPECT_EQ(errors[1], "sysctl kernel.no_such_sysctl_x = '1': open " +
                           (dir.path() / "sys/kernel/no_such_sysctl_x").string() +
                           ": No such file or directory (this kernel has no such sysctl)");
}

}  // namespace
}  // namespace ktstr
