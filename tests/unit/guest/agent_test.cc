// Runs the real ktstr-agent binary on the host against a fake root (sysfs,
// /proc/sys, /ktstr/test.json) with its channel going to a file, then decodes
// the frames with FrameDecoder, as the host does with the guest's port.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "fake_sysfs.h"
#include "guest/protocol/frame.h"
#include "guest/protocol/observed_topology.h"
#include "guest/protocol/test_spec.h"

extern char** environ;

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::topo;
using testing::write_fake_sysfs;
using testing::write_file;

fs::path agent_binary() {
  if (const char* env = std::getenv("KTSTR_AGENT")) return env;
  return fs::path(KTSTR_BUILD_DIR) / "guest" / "ktstr-agent";
}

struct AgentRun {
  int status = -1;  ///< exit status, or -1 if it did not exit normally
  std::vector<nlohmann::json> frames;
  size_t skipped = 0;
  std::string console;
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(agent_binary())) {
      GTEST_SKIP() << "no agent binary at " << agent_binary()
                   << " (build the ktstr-agent target, or set KTSTR_AGENT)";
    }
    write_fake_sysfs(root() / "sys", topo("1n2l2c1t"));
    fs::create_directories(root() / "sys" / "fs" / "cgroup");
    write_file(root() / "proc" / "sys" / "kernel" / "sched_autogroup_enabled", "1\n");
  }

  fs::path root() const { return dir_.path() / "root"; }

  void write_test(const nlohmann::json& j) { write_file(root() / "ktstr" / "test.json", j.dump()); }

  AgentRun run(std::vector<std::string> extra = {}) {
    const fs::path channel = dir_.path() / "channel.bin";
    const fs::path console = dir_.path() / "console.txt";
    std::vector<std::string> args = {agent_binary().string(), "--root", root().string(),
                                     "--channel", channel.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, console.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    pid_t pid = -1;
    AgentRun r;
    int err = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) {
      ADD_FAILURE() << "spawn " << argv[0] << ": " << std::strerror(err);
      return r;
    }
    // The agent must finish on its own; a hang is a failure, not a stuck test.
    int wstatus = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (waitpid(pid, &wstatus, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &wstatus, 0);
        ADD_FAILURE() << "agent did not exit within 60 s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    std::ifstream in(channel, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    FrameDecoder d;
    d.feed(bytes.str());
    d.finish();
    while (auto j = d.next()) r.frames.push_back(std::move(*j));
    r.skipped = d.skipped_bytes();
    std::ifstream con(console);
    std::stringstream text;
    text << con.rdbuf();
    r.console = text.str();
    return r;
  }

  static std::vector<std::string> types(const AgentRun& r) {
    std::vector<std::string> t;
    for (const auto& f : r.frames) {
      std::string type = f["type"];
      if (type == "phase") type += ":" + f["name"].get<std::string>();
      // Only the agent's own frames: the scenario engine may add logs and telemetry.
      if (type == "booted" || type.rfind("phase:", 0) == 0 || type == "result" || type == "error" ||
          type == "done") {
        t.push_back(type);
      }
    }
    return t;
  }

  static const nlohmann::json* find(const AgentRun& r, const std::string& type) {
    for (const auto& f : r.frames) {
      if (f["type"] == type) return &f;
    }
    return nullptr;
  }

  TempDir dir_;
};

GuestTestSpec spin_test() {
  GuestTestSpec s;
  s.name = "ktstr/agent_host_test";
  s.duration_s = 0.1;
  s.topology = topo("1n2l2c1t");
  s.sysctls = {{"kernel.sched_autogroup_enabled", "0"}};
  s.cgroups = {CgroupSpec{.name = "a", .workers = 1}};
  return s;
}

TEST_F(AgentTest, RunsATestAndReportsEveryStep) {
  write_test(spin_test());
  AgentRun r = run();
  EXPECT_EQ(r.status, 0) << r.console;
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_EQ(types(r),
            (std::vector<std::string>{"booted", "phase:ready", "phase:sysctls", "phase:scheduler",
                                      "phase:scenario", "phase:teardown", "result", "done"}))
      << r.console;
  uint64_t last_ms = 0;
  for (const auto& f : r.frames) {
    EXPECT_EQ(f["v"], kFrameVersion);
    ASSERT_TRUE(f["t_ms"].is_number_unsigned()) << f.dump();
    EXPECT_GE(f["t_ms"].get<uint64_t>(), last_ms);
    last_ms = f["t_ms"];
  }

  const nlohmann::json* booted = find(r, "booted");
  ASSERT_NE(booted, nullptr);
  EXPECT_EQ((*booted)["protocol"], kGuestProtocolVersion);
  EXPECT_EQ((*booted)["sched_ext"], false);
  EXPECT_TRUE((*booted)["agent_version"].is_string());
  EXPECT_TRUE((*booted)["uptime_ms"].is_number());
  ObservedTopology observed = (*booted)["topology"].get<ObservedTopology>();
  EXPECT_EQ(compare_topology(topo("1n2l2c1t"), observed), "");
  EXPECT_NE(compare_topology(topo("1n1l4c1t"), observed), "");

  std::ifstream sysctl(root() / "proc" / "sys" / "kernel" / "sched_autogroup_enabled");
  std::string value;
  sysctl >> value;
  EXPECT_EQ(value, "0");

  const nlohmann::json* result = find(r, "result");
  ASSERT_NE(result, nullptr);
  EXPECT_TRUE((*result)["verdict"] == "pass" || (*result)["verdict"] == "fail" ||
              (*result)["verdict"] == "error")
      << result->dump();
  EXPECT_TRUE((*result)["details"].is_array());
  EXPECT_TRUE((*result)["data"].is_object());
}

TEST_F(AgentTest, MissingTestFileIsAnErrorFrame) {
  AgentRun r = run();
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(types(r), (std::vector<std::string>{"booted", "phase:ready", "error", "done"}));
  const nlohmann::json* error = find(r, "error");
  ASSERT_NE(error, nullptr);
  EXPECT_NE((*error)["text"].get<std::string>().find("test.json"), std::string::npos);
}

TEST_F(AgentTest, GarbledTestFileIsAnErrorFrame) {
  write_file(root() / "ktstr" / "test.json", R"({"name": "t", "cgroups": [{"name": 5}]})");
  AgentRun r = run();
  EXPECT_EQ(types(r), (std::vector<std::string>{"booted", "phase:ready", "error", "done"}));
  const nlohmann::json* error = find(r, "error");
  ASSERT_NE(error, nullptr);
  EXPECT_NE((*error)["text"].get<std::string>().find("garbled"), std::string::npos);
  EXPECT_NE((*error)["text"].get<std::string>().find("'name'"), std::string::npos);

  write_file(root() / "ktstr" / "test.json", "{\"name\": ");
  r = run();
  EXPECT_EQ(types(r), (std::vector<std::string>{"booted", "phase:ready", "error", "done"}));
}

TEST_F(AgentTest, SchedExtOnAKernelWithoutSchedExtIsAnError) {
  GuestTestSpec s = spin_test();
  s.scheduler.kind = "sched_ext";
  s.scheduler.binary = "/ktstr/bin/scx_simple";
  write_test(s);
  AgentRun r = run();
  EXPECT_EQ(types(r), (std::vector<std::string>{"booted", "phase:ready", "phase:sysctls",
                                                "phase:scheduler", "error", "result", "done"}));
  const nlohmann::json* result = find(r, "result");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ((*result)["verdict"], "error");
  EXPECT_NE((*result)["details"].dump().find("has no sched_ext"), std::string::npos);
}

TEST_F(AgentTest, FailedSysctlMakesTheResultAnErrorNamingIt) {
  // issue 14: four sysctls the guest could not apply left the test PASSing.
  GuestTestSpec s = spin_test();
  s.sysctls["kernel.no_such_sysctl"] = "1";
  write_test(s);
  AgentRun r = run();
  EXPECT_EQ(types(r),
            (std::vector<std::string>{"booted", "phase:ready", "phase:sysctls", "result", "done"}));
  const nlohmann::json* result = find(r, "result");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ((*result)["verdict"], "error");
  const std::string details = (*result)["details"].dump();
  EXPECT_NE(details.find("setup failed: 1 of 2 sysctls could not be applied"), std::string::npos)
      << details;
  EXPECT_NE(details.find("sysctl kernel.no_such_sysctl = '1'"), std::string::npos) << details;
  EXPECT_NE(details.find("No such file or directory"), std::string::npos) << details;
  ASSERT_TRUE((*result)["data"].contains("sysctl_errors")) << result->dump();
}

TEST_F(AgentTest, SchedExtPresenceIsReported) {
  write_file(root() / "sys" / "kernel" / "sched_ext" / "state", "disabled\n");
  AgentRun r = run();
  const nlohmann::json* booted = find(r, "booted");
  ASSERT_NE(booted, nullptr);
  EXPECT_EQ((*booted)["sched_ext"], true);
}

TEST_F(AgentTest, UnknownOptionOutsidePid1IsAUsageError) {
  AgentRun r = run({"--frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_NE(r.console.find("unknown option '--frobnicate'"), std::string::npos) << r.console;
}

}  // namespace
}  // namespace ktstr
