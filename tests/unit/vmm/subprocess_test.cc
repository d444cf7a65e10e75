// spawn_subprocess(): what a caller sees when a child cannot start, and that
// cwd, env, redirections and the process group reach the child.
#include "vmm/subprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using ::testing::StartsWith;

class SubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ktstr-subprocess-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// Reads the child's pipe to EOF and reaps it; returns the output.
  static std::string finish(const Subprocess& child, int* status = nullptr) {
    std::string out;
    char buf[256];
    for (ssize_t n; (n = ::read(child.output, buf, sizeof buf)) > 0;) out.append(buf, n);
    ::close(child.output);
    int st = 0;
    waitpid(child.pid, &st, 0);
    if (status) *status = st;
    return out;
  }
  /// No child of ours is left, running or unreaped.
  static void expect_no_child() { EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1); }
  fs::path dir_;
};

TEST_F(SubprocessTest, ABareNameNotOnPathIsNamedWithThePathSearched) {
  const Subprocess s = spawn_subprocess({.argv = {"ktstr-no-such-tool"}});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.error, StartsWith("ktstr-no-such-tool: not found in PATH ("));
  EXPECT_EQ(s.pid, -1);
  expect_no_child();
}

TEST_F(SubprocessTest, AMissingBinaryPathIsAnExecErrorNamingIt) {
  const Subprocess s = spawn_subprocess({.argv = {(dir_ / "qemu").string()}});
  EXPECT_EQ(s.error, "exec " + (dir_ / "qemu").string() + ": No such file or directory");
  expect_no_child();
}

TEST_F(SubprocessTest, ANonExecutableFileIsAnExecErrorWithTheReason) {
  std::ofstream(dir_ / "script") << "#!/bin/sh\necho hi\n";  // mode 0644
  const Subprocess s = spawn_subprocess({.argv = {(dir_ / "script").string()}});
  EXPECT_EQ(s.error, "exec " + (dir_ / "script").string() + ": Permission denied");
  EXPECT_EQ(s.pid, -1);
  expect_no_child();
}

TEST_F(SubprocessTest, AMissingWorkingDirectoryIsNamed) {
  const Subprocess s = spawn_subprocess(
      {.argv = {"/bin/true"}, .cwd = dir_ / "gone", .stdout_to = Redirect::pipe()});
  EXPECT_EQ(s.error, "chdir " + (dir_ / "gone").string() + ": No such file or directory");
  EXPECT_EQ(s.output, -1);
  expect_no_child();
}

TEST_F(SubprocessTest, AnOutputFileThatCannotBeCreatedIsNamed) {
  const Subprocess s = spawn_subprocess(
      {.argv = {"/bin/true"}, .stdout_to = Redirect::to_file(dir_ / "no" / "out.log")});
  EXPECT_EQ(s.error, "open " + (dir_ / "no" / "out.log").string() + ": No such file or directory");
  expect_no_child();
}

TEST_F(SubprocessTest, CwdEnvAndJoinedStderrReachTheChild) {
  const Subprocess s =
      spawn_subprocess({.argv = {"sh", "-c", "echo \"$KTSTR_SUB_X\"; pwd; echo oops >&2; exit 4"},
                        .cwd = dir_,
                        .env = {"KTSTR_SUB_X=hello", "HOME=/nowhere"},
                        .stdout_to = Redirect::pipe(),
                        .stderr_to = Redirect::same_as_stdout()});
  ASSERT_TRUE(s.ok()) << s.error;
  int status = 0;
  EXPECT_EQ(finish(s, &status), "hello\n" + dir_.string() + "\noops\n");
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
}

TEST_F(SubprocessTest, ANewProcessGroupIsLedByTheChildAndItsPidfdFires) {
  const Subprocess s = spawn_subprocess({.argv = {"/bin/sh", "-c", "read x; echo done"},
                                         .stdout_to = Redirect::pipe(),
                                         .new_process_group = true,
                                         .pdeathsig = SIGKILL,
                                         .pidfd = true});
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(getpgid(s.pid), s.pid);
  EXPECT_GE(s.pidfd, 0);
  // stdin is /dev/null: `read` sees EOF at once.
  EXPECT_EQ(finish(s), "done\n");
  ::close(s.pidfd);
}

TEST_F(SubprocessTest, StderrToAFileIsTruncatedAndWritten) {
  std::ofstream(dir_ / "err.log") << "old content that must go\n";
  const Subprocess s = spawn_subprocess({.argv = {"sh", "-c", "echo out; echo err >&2"},
                                         .stdout_to = Redirect::pipe(),
                                         .stderr_to = Redirect::to_file(dir_ / "err.log")});
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(finish(s), "out\n");
  std::ifstream in(dir_ / "err.log");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "err\n");
}

}  // namespace
}  // namespace ktstr
