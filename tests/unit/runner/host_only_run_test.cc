// host_only runs: the agent is a host process in a cgroup of its own. A shell
// script stands in for the agent; the runs that need a writable cgroup v2
// skip (with the reason) where there is none.
#include "runner/host_only_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "spec_test_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::SpecTestDir;

// Alive and not a zombie (an orphan's zombie waits for whoever reaps orphans here).
bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

class HostOnlyRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("KTSTR_HOST_CGROUP");
    if (std::string e = host_cgroup_parent(&parent_); !e.empty())
      GTEST_SKIP() << "no writable cgroup v2 here: " << e;
  }
  // A fake agent: `body` as a /bin/sh script.
  fs::path agent(const std::string& body) {
    const std::string p = dir_.write("agent.sh", "#!/bin/sh\n" + body + "\n");
    fs::permissions(p, fs::perms::owner_all);
    return p;
  }
  HostRunSpec spec(const fs::path& agent, std::chrono::milliseconds hard) {
    HostRunSpec s{.agent = agent,
                  .run_dir = dir_.path(),
                  .test_json = "{}",
                  .cgroup = parent_ / ("ktstr-host-unit-" + std::to_string(getpid()))};
    s.timeouts.hard = hard;
    s.registry = &registry_;
    return s;
  }
  SpecTestDir dir_;
  fs::path parent_;
  VmRegistry registry_;
};

TEST_F(HostOnlyRunTest, AnAgentThatNeverEndsIsKilledAtTheHardTimeoutWithItsChildren) {
  // The agent starts a grandchild in another process group: only the cgroup still holds it.
  const fs::path pidfile = dir_.path("grandchild.pid");
  HostRunSpec s = spec(agent("setsid sleep 600 & echo $! > " + pidfile.string() + "\nsleep 600"),
                       std::chrono::milliseconds(500));
  VmOutcome o = run_on_host(s);
  EXPECT_EQ(o.reason, VmExitReason::kHardTimeout);
  EXPECT_THAT(o.detail, HasSubstr("hard timeout"));
  EXPECT_FALSE(fs::exists(s.cgroup)) << "the cgroup is removed";
  int grandchild = 0;
  std::ifstream(pidfile) >> grandchild;
  ASSERT_GT(grandchild, 0);
  EXPECT_FALSE(alive(grandchild)) << "the grandchild outside the process group is gone too";
  EXPECT_GT(o.timings.teardown_ms, 0);
}

TEST_F(HostOnlyRunTest, AnAgentThatExitsWithoutDoneDied) {
  VmOutcome o = run_on_host(
      spec(agent("echo agent-console-text >&2; exit 3"), std::chrono::milliseconds(10'000)));
  EXPECT_EQ(o.reason, VmExitReason::kAgentDied);
  EXPECT_THAT(o.detail, HasSubstr("exited with status 3 before its 'done' frame"));
  EXPECT_THAT(o.console_tail, HasSubstr("agent-console-text"));
}

TEST_F(HostOnlyRunTest, TheAgentRunsInsideTheTestsCgroup) {
  const fs::path seen = dir_.path("cgroup.txt");
  HostRunSpec s =
      spec(agent("cat /proc/self/cgroup > " + seen.string()), std::chrono::milliseconds(10'000));
  run_on_host(s);
  std::ifstream in(seen);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(s.cgroup.filename().string() + "/agent"));
}

TEST(HostCgroupParent, ADirectoryThatIsNotCgroup2IsAClearError) {
  setenv("KTSTR_HOST_CGROUP", "/tmp", 1);
  fs::path dir;
  const std::string e = host_cgroup_parent(&dir);
  unsetenv("KTSTR_HOST_CGROUP");
  EXPECT_THAT(e, HasSubstr("host_only needs cgroup v2: /tmp is not a cgroup2 directory (from "
                           "KTSTR_HOST_CGROUP)"));
}

}  // namespace
}  // namespace ktstr
