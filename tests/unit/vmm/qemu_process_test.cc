// QemuProcess and VmRegistry against a fake "qemu" shell script that starts a
// grandchild: the whole group must be gone after the owner is destroyed, after
// a SIGTERM-ignoring child, and after the owning process is SIGKILLed.
#include "vmm/qemu_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/unit/temp_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const std::string kSpawnTree = std::string(KTSTR_TEST_DATA) + "/fake_qemu/spawn_tree.sh";

using testing::TempDir;

/// True if `pid` exists and is not a zombie.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

/// True if some live (non-zombie) process is in process group `pgid`.
bool group_alive(pid_t pgid) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 2));
    char state;
    pid_t ppid, pgrp;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') return true;
  }
  return false;
}

/// Waits until `path` holds a pid (the fake writes it atomically).
pid_t read_pid(const fs::path& path) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return 0;
}

/// A SIGKILLed process is not gone the instant kill() returns: allow 5 s.
bool eventually_dead(pid_t pid) {
  for (int i = 0; i < 500 && alive(pid); ++i) std::this_thread::sleep_for(milliseconds(10));
  return !alive(pid);
}

bool eventually_group_dead(pid_t pgid) {
  for (int i = 0; i < 500 && group_alive(pgid); ++i) std::this_thread::sleep_for(milliseconds(10));
  return !group_alive(pgid);
}

TEST(QemuProcess, SpawnsInItsOwnGroupAndCapturesOutput) {
  TempDir dir;
  auto spawned = QemuProcess::spawn(
      {.argv = {kSpawnTree, (dir.path() / "gc.pid").string()}, .output_path = dir.path() / "out"});
  ASSERT_TRUE(spawned.ok()) << spawned.error;
  QemuProcess& qemu = spawned.process;
  pid_t grandchild = read_pid(dir.path() / "gc.pid");
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(getpgid(qemu.pid()), qemu.pid());
  EXPECT_EQ(getpgid(grandchild), qemu.pid());
  EXPECT_NE(getpgid(0), qemu.pid());

  ExitStatus status = qemu.terminate(milliseconds(2000));
  EXPECT_EQ(status.signal, SIGTERM) << status.str();
  EXPECT_TRUE(eventually_group_dead(qemu.pid()));
  EXPECT_TRUE(eventually_dead(grandchild));
  std::ifstream out(dir.path() / "out");
  std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_NE(text.find("fake qemu started"), std::string::npos) << text;
  EXPECT_NE(text.find("fake qemu stderr"), std::string::npos) << text;
}

TEST(QemuProcess, DestructorKillsAndReapsTheWholeGroup) {
  TempDir dir;
  pid_t leader = 0, grandchild = 0;
  {
    auto spawned = QemuProcess::spawn({.argv = {kSpawnTree, (dir.path() / "gc.pid").string()}});
    ASSERT_TRUE(spawned.ok()) << spawned.error;
    leader = spawned.process.pid();
    grandchild = read_pid(dir.path() / "gc.pid");
    ASSERT_GT(grandchild, 0);
  }
  EXPECT_TRUE(eventually_group_dead(leader));
  EXPECT_TRUE(eventually_dead(grandchild));
  // Reaped, not a zombie of ours.
  EXPECT_EQ(waitpid(leader, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(QemuProcess, SigtermIgnoredEscalatesToSigkill) {
  TempDir dir;
  auto spawned =
      QemuProcess::spawn({.argv = {kSpawnTree, (dir.path() / "gc.pid").string(), "stubborn"}});
  ASSERT_TRUE(spawned.ok()) << spawned.error;
  pid_t grandchild = read_pid(dir.path() / "gc.pid");
  ASSERT_GT(grandchild, 0);
  ExitStatus status = spawned.process.terminate(milliseconds(200));
  EXPECT_EQ(status.signal, SIGKILL) << status.str();
  EXPECT_TRUE(eventually_group_dead(spawned.process.pid()));
  EXPECT_TRUE(eventually_dead(grandchild));
}

TEST(QemuProcess, ReportsExitCodeAndGivesEofOnStdin) {
  TempDir dir;
  auto spawned = QemuProcess::spawn(
      {.argv = {"sh", "-c", "cat; echo stdin-closed; exit 3"}, .output_path = dir.path() / "out"});
  ASSERT_TRUE(spawned.ok()) << spawned.error;
  auto status = spawned.process.wait_for(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(status->str(), "exit 3");
  std::ifstream out(dir.path() / "out");
  std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_EQ(text, "stdin-closed\n");
}

TEST(QemuProcess, ExecFailuresAreErrorsAndLeaveNothingRunning) {
  auto missing = QemuProcess::spawn({.argv = {"/nonexistent/qemu-system-x86_64"}});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("No such file"), std::string::npos) << missing.error;
  EXPECT_EQ(missing.process.pid(), 0);

  auto not_in_path = QemuProcess::spawn({.argv = {"ktstr-no-such-qemu-binary"}});
  EXPECT_NE(not_in_path.error.find("not found in PATH"), std::string::npos) << not_in_path.error;

  auto empty = QemuProcess::spawn({});
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // no child left unreaped
}

TEST(VmRegistry, KillAllReachesRegisteredGroupsAndReapRemovesThem) {
  TempDir dir;
  VmRegistry registry;
  auto spawned = QemuProcess::spawn(
      {.argv = {kSpawnTree, (dir.path() / "gc.pid").string()}, .registry = &registry});
  ASSERT_TRUE(spawned.ok()) << spawned.error;
  pid_t grandchild = read_pid(dir.path() / "gc.pid");
  EXPECT_EQ(registry.live(), 1);
  registry.interrupt();
  EXPECT_TRUE(registry.interrupted());
  auto status = spawned.process.wait_for(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGKILL);
  EXPECT_EQ(registry.live(), 0);
  EXPECT_TRUE(eventually_dead(grandchild));
  pollfd p{registry.interrupt_fd(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 1);  // stays readable for every supervisor

  // A VM spawned after the interrupt does not survive it.
  auto late = QemuProcess::spawn({.argv = {"sleep", "1000"}, .registry = &registry});
  ASSERT_TRUE(late.ok());
  auto late_status = late.process.wait_for(milliseconds(5000));
  ASSERT_TRUE(late_status.has_value());
  EXPECT_EQ(late_status->signal, SIGKILL);
}

TEST(QemuProcess, ChildDiesWhenTheOwningProcessIsKilled) {
  // An intermediate "runner" spawns the fake and is then SIGKILLed: nothing
  // runs its destructors, so only PR_SET_PDEATHSIG can end the child.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    close(fds[0]);
    auto spawned = QemuProcess::spawn({.argv = {"sleep", "1000"}});
    pid_t pid = spawned.ok() ? spawned.process.pid() : -1;
    ssize_t n = write(fds[1], &pid, sizeof pid);
    (void)n;
    pause();
    _exit(0);
  }
  close(fds[1]);
  pid_t child = 0;
  ASSERT_EQ(read(fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  close(fds[0]);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(alive(child));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(eventually_dead(child));
}

}  // namespace
}  // namespace ktstr
