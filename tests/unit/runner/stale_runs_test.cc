// A killed runner's leftovers: the next run removes the initrd and sockets of
// dead runs and keeps their results, logs and every live run's files.
#include "runner/stale_runs.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "spec_test_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A unix socket file at `p`, as QEMU and the supervisor leave them.
void make_socket(const fs::path& p) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(p.native().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, p.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  close(fd);
}

// A run directory as a SIGKILLed runner leaves it: lock file with a pid that
// nobody holds, one test mid-flight.
void fake_killed_run(const fs::path& run) {
  write(run / kRunLockName, "999999\n");
  write(run / "t1" / "initrd.img", std::string(4096, 'x'));
  write(run / "t1" / "console.log", "boot log\n");
  write(run / "t1" / "result.json", "{}\n");
  for (const char* s : {"console.sock", "agent.sock", "qmp.sock"}) make_socket(run / "t1" / s);
}

TEST(StaleRuns, AKilledRunLosesItsInitrdAndSocketsButKeepsResultsAndLogs) {
  testing::SpecTestDir d;
  const fs::path runs = d.path("runs");
  fake_killed_run(runs / "dead");
  StaleSweep swept = sweep_stale_runs(runs);
  EXPECT_EQ(swept.runs, 1);
  EXPECT_EQ(swept.files, 4);
  EXPECT_EQ(swept.bytes, 4096u);
  EXPECT_FALSE(fs::exists(runs / "dead" / "t1" / "initrd.img"));
  EXPECT_FALSE(fs::exists(runs / "dead" / "t1" / "qmp.sock"));
  EXPECT_TRUE(fs::exists(runs / "dead" / "t1" / "console.log"));
  EXPECT_TRUE(fs::exists(runs / "dead" / "t1" / "result.json"));
  EXPECT_FALSE(fs::exists(runs / "dead" / kRunLockName));  // not visited again
  EXPECT_EQ(sweep_stale_runs(runs).files, 0);
}

TEST(StaleRuns, ALiveRunAndALocklessDirectoryAreLeftAlone) {
  testing::SpecTestDir d;
  const fs::path runs = d.path("runs");
  fake_killed_run(runs / "live");
  std::string error;
  auto lock = RunDirLock::acquire(runs / "live", &error);
  ASSERT_TRUE(lock) << error;
  write(runs / "old" / "t1" / "initrd.img", "x");  // an older version's run: no lock file
  EXPECT_EQ(sweep_stale_runs(runs).files, 0);
  EXPECT_TRUE(fs::exists(runs / "live" / "t1" / "initrd.img"));
  EXPECT_TRUE(fs::exists(runs / "live" / "t1" / "qmp.sock"));
  EXPECT_TRUE(fs::exists(runs / "old" / "t1" / "initrd.img"));
}

TEST(StaleRuns, OnlyFilesOfTheRightTypeAreRemoved) {
  testing::SpecTestDir d;
  const fs::path runs = d.path("runs");
  write(runs / "dead" / kRunLockName, "1\n");
  write(runs / "dead" / "t1" / "qmp.sock", "a regular file, not a socket\n");
  write(d.path("elsewhere/keep.img"), "precious");
  fs::create_symlink(d.path("elsewhere/keep.img"), runs / "dead" / "t1" / "initrd.img");
  EXPECT_EQ(sweep_stale_runs(runs).files, 0);
  EXPECT_TRUE(fs::exists(runs / "dead" / "t1" / "qmp.sock"));
  EXPECT_TRUE(fs::exists(d.path("elsewhere/keep.img")));
}

TEST(RunDirLock, HoldsThePidAndIsGoneAfterANormalEnd) {
  testing::SpecTestDir d;
  std::string error;
  {
    auto lock = RunDirLock::acquire(d.path(), &error);
    ASSERT_TRUE(lock) << error;
    std::ifstream in(fs::path(d.path()) / kRunLockName);
    std::string pid;
    in >> pid;
    EXPECT_EQ(pid, std::to_string(getpid()));
    EXPECT_FALSE(RunDirLock::acquire(d.path(), &error));
    EXPECT_NE(error.find("another ktstr-run uses this run directory"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(fs::path(d.path()) / kRunLockName));
}

}  // namespace
}  // namespace ktstr
