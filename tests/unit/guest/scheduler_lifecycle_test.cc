// The sched_ext lifecycle against fake sysfs trees. The "schedulers" are shell
// scripts that drive the fake state file the way the kernel would.
#include "guest/scheduler_lifecycle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "fake_sysfs.h"
#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

using testing::TempDir;
using testing::write_file;

class NullHost : public ScenarioHost {
 public:
  void log(const std::string& level, const std::string& text) override {
    logs.push_back(level + ": " + text);
  }
  void emit(const std::string&, const nlohmann::json&) override {}
  std::string cgroup_root() const override { return "/nonexistent"; }
  std::vector<std::string> logs;
};

class SchedulerLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    write_file(state(), "disabled\n");
    write_file(ops(), "");
    write_file(kmsg(), "6,1,100,-;sched_ext: an old line that must not be read\n");
  }
  std::filesystem::path root() const { return dir_.path(); }
  std::filesystem::path state() const { return root() / "sys/kernel/sched_ext/state"; }
  std::filesystem::path ops() const { return root() / "sys/kernel/sched_ext/root/ops"; }
  std::filesystem::path kmsg() const { return root() / "dev/kmsg"; }

  /// A script scheduler; $S is the state file, $O the ops file, $K the kmsg file.
  std::string script(const std::string& name, const std::string& body) {
    auto p = root() / name;
    write_file(p, "#!/bin/sh\nS='" + state().string() + "'\nO='" + ops().string() + "'\nK='" +
                      kmsg().string() + "'\n" + body);
    chmod(p.c_str(), 0755);
    return p.string();
  }

  SchedulerSpec spec(const std::string& binary, std::vector<std::string> args = {}) {
    SchedulerSpec s;
    s.kind = "sched_ext";
    s.name = "fake";
    s.binary = binary;
    s.args = std::move(args);
    return s;
  }

  SchedulerLifecycleOptions options() const {
    SchedulerLifecycleOptions o = SchedulerLifecycleOptions::under(root());
    o.attach_timeout_s = 1.5;
    o.stop_timeout_s = 1;
    o.disable_timeout_s = 1;
    o.exit_grace_s = 1;
    o.poll_interval_s = 0.02;
    return o;
  }

  static std::string all(const ScenarioOutcome& o) {
    std::string s;
    for (const auto& d : o.details) s += d + "\n";
    return s;
  }

  TempDir dir_;
  NullHost host_;
};

// Enables, prints, and on SIGINT disables like the kernel + scx_simple do.
constexpr char kHealthy[] =
    "trap 'echo disabled > \"$S\"; echo \"6,9,300,-;sched_ext: BPF scheduler \\\"fake\\\" "
    "disabled (unregistered from user space)\" >> \"$K\"; exit 0' INT\n"
    "echo enabling > \"$S\"; sleep 0.1; echo fake > \"$O\"; echo enabled > \"$S\"\n"
    "echo \"hello from the scheduler $*\"\n"
    "while :; do sleep 0.02; done\n";

TEST_F(SchedulerLifecycleTest, EevdfIsANoOp) {
  SchedulerSpec s;
  SchedulerLifecycle l(s, host_, options());
  ScenarioOutcome o;
  EXPECT_TRUE(l.start(o));
  l.finish(o);
  EXPECT_EQ(o.verdict, "pass");
}

TEST_F(SchedulerLifecycleTest, AttachesRunsAndStopsCleanly) {
  SchedulerLifecycle l(spec(script("ok.sh", kHealthy), {"-x", "7"}), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  l.finish(o);
  EXPECT_EQ(o.verdict, "pass") << all(o);
  const auto& d = o.data["scheduler"];
  EXPECT_EQ(d["ops"], "fake");
  EXPECT_EQ(d["last_state"], "disabled");
  EXPECT_NE(d["output_tail"].get<std::string>().find("hello from the scheduler -x 7"),
            std::string::npos);
  EXPECT_EQ(d["kmsg"].dump().find("old line"), std::string::npos) << d.dump();
}

TEST_F(SchedulerLifecycleTest, WritesTheConfigFile) {
  SchedulerSpec s = spec(script("ok.sh", kHealthy));
  s.config_file = "/etc/fake/sched.conf";
  s.config = "slice_us = 5000\n";
  SchedulerLifecycle l(s, host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::ifstream in(root() / "etc/fake/sched.conf");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "slice_us = 5000\n");
  l.finish(o);
}

TEST_F(SchedulerLifecycleTest, RefusesWhenAnotherSchedulerIsLoaded) {
  write_file(state(), "enabled\n");
  write_file(ops(), "other\n");
  SchedulerLifecycle l(spec(script("ok.sh", kHealthy)), host_, options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(all(o).find("already loaded"), std::string::npos) << all(o);
  EXPECT_NE(all(o).find("other"), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, NoSchedExtInTheKernel) {
  std::filesystem::remove(state());
  SchedulerLifecycle l(spec(script("ok.sh", kHealthy)), host_, options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(all(o).find("kernel build"), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, StuckEnablingDoesNotAttach) {
  const std::string bin = script("stuck.sh",
                                 "echo enabling > \"$S\"\necho 'loading BPF...'\n"
                                 "trap 'echo disabled > \"$S\"; exit 0' INT\n"
                                 "while :; do sleep 0.02; done\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(all(o).find("did not attach within"), std::string::npos) << all(o);
  EXPECT_NE(all(o).find("enabling"), std::string::npos) << all(o);
  EXPECT_NE(all(o).find("loading BPF..."), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, ExitsAtOnce) {
  SchedulerLifecycle l(spec(script("exit3.sh", "echo 'bad option' >&2\nexit 3\n")), host_,
                       options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(all(o).find("did not attach"), std::string::npos) << all(o);
  EXPECT_NE(all(o).find("exited with status 3"), std::string::npos) << all(o);
  EXPECT_NE(all(o).find("bad option"), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, CrashBeforeAttachNamesTheSignal) {
  SchedulerLifecycle l(spec(script("segv.sh", "kill -SEGV $$\n")), host_, options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(all(o).find("SIGSEGV"), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, ExecFailureIsAnError) {
  SchedulerLifecycle l(spec((root() / "no-such-binary").string()), host_, options());
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(all(o).find("No such file"), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, KernelDisablesItDuringTheRun) {
  const std::string bin = script(
      "err.sh",
      "echo fake > \"$O\"; echo enabled > \"$S\"\n"
      "sleep 0.3\n"
      "echo disabling > \"$S\"\n"
      "printf '%s\\n' '3,10,200,-;sched_ext: BPF scheduler \"fake\" disabled (scx_bpf_error)' "
      "'3,11,201,-;sched_ext: fake: test triggering error' '4,12,202,-;  "
      "scx_bpf_error_bstr+0x5/0x10' "
      ">> \"$K\"\n"
      "echo disabled > \"$S\"\n"
      "for i in 1 2 3 4 5; do echo 'dump line'; done\n"
      "echo 'EXIT: scx_bpf_error (test triggering error)'\nexit 0\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail");
  const std::string text = all(o);
  EXPECT_NE(text.find("scx_bpf_error"), std::string::npos) << text;
  EXPECT_NE(text.find("test triggering error"), std::string::npos) << text;
  EXPECT_NE(text.find("dump line  [repeated 5 times]"), std::string::npos) << text;
  EXPECT_NE(text.find("scx_bpf_error_bstr"), std::string::npos) << text;
  const auto& d = o.data["scheduler"];
  EXPECT_EQ(d["exit_kind"], "scx_bpf_error");
  EXPECT_NE(d["error_text"].get<std::string>().find("EXIT: scx_bpf_error (test triggering error)"),
            std::string::npos);
}

TEST_F(SchedulerLifecycleTest, ProcessDiesDuringTheRun) {
  const std::string bin = script("die.sh",
                                 "echo fake > \"$O\"; echo enabled > \"$S\"\nsleep 0.3\n"
                                 "kill -SEGV $$\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  o.details = {"scenario detail"};
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(o.details.front().find("SIGSEGV"), std::string::npos) << all(o);
  EXPECT_EQ(o.details.back(), "scenario detail");
}

TEST_F(SchedulerLifecycleTest, InvalidUtf8InItsOutputAndKmsgIsReplaced) {
  // Untrusted bytes from the scheduler's stdout and /dev/kmsg become valid text.
  const std::string bin = script("bytes.sh",
                                 "echo fake > \"$O\"; echo enabled > \"$S\"\nsleep 0.3\n"
                                 "printf 'out \\377\\n'\n"
                                 "printf '6,5,200,-;sched_ext: BPF scheduler \"fake\" disabled "
                                 "(runtime error \\376)\\n' >> \"$K\"\n"
                                 "echo disabled > \"$S\"\nsleep 0.2\nexit 1\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail") << all(o);
  EXPECT_NE(all(o).find("out \xEF\xBF\xBD"), std::string::npos) << all(o);
  for (const auto& d : o.details) EXPECT_TRUE(is_valid_utf8(d)) << d;
  std::string dumped;
  ASSERT_NO_THROW(dumped = o.data.dump());  // strict: throws on invalid UTF-8
  EXPECT_NE(dumped.find("runtime error \xEF\xBF\xBD"), std::string::npos) << dumped;
}

TEST_F(SchedulerLifecycleTest, StuckDisablingFailsTheStop) {
  const std::string bin = script("stuckdis.sh",
                                 "trap 'echo disabling > \"$S\"; exit 0' INT\n"
                                 "echo fake > \"$O\"; echo enabled > \"$S\"\n"
                                 "while :; do sleep 0.02; done\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(all(o).find("'disabling', not \"disabled\""), std::string::npos) << all(o);
}

TEST_F(SchedulerLifecycleTest, IgnoringSigintGetsSigkill) {
  const std::string bin = script("deaf.sh",
                                 "trap '' INT\necho fake > \"$O\"; echo enabled > \"$S\"\n"
                                 "while :; do sleep 0.02; done\n");
  SchedulerLifecycle l(spec(bin), host_, options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail");
  EXPECT_NE(all(o).find("SIGKILL"), std::string::npos) << all(o);
}

TEST(SchedExtText, CollapseAndKmsgParsing) {
  EXPECT_EQ(collapse_output("a\nb\nb\nb\nc\n", 10), "a\nb  [repeated 3 times]\nc\n");
  EXPECT_EQ(collapse_output("1\n2\n3\n4\n", 2), "[... 2 earlier lines]\n3\n4\n");
  auto lines = sched_ext_kmsg_lines(
      "6,5,10,-;unrelated\n"
      "3,6,11,-;sched_ext: BPF scheduler \"qmap\" disabled (scx_bpf_error)\n"
      " SUBSYSTEM=cpu\n"
      "3,7,12,-;sched_ext: qmap: test triggering error\n"
      "4,8,13,-;  bpf_prog_x+0x1/0x2\n"
      "6,9,14,-;other\n"
      "4,10,15,-;  not a trace\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "sched_ext: BPF scheduler \"qmap\" disabled (scx_bpf_error)");
  EXPECT_EQ(lines[1], "sched_ext: qmap: test triggering error");
  EXPECT_EQ(lines[2], "  bpf_prog_x+0x1/0x2");
}

// The watchdog override after the attach, against a fake /dev/mem (a file)
// and /proc/iomem under the fake root.
class WatchdogLifecycleTest : public SchedulerLifecycleTest {
 protected:
  static constexpr std::uint64_t kText = 0xffffffff81000000ull;
  void SetUp() override {
    SchedulerLifecycleTest::SetUp();
    std::string mem(0x1000, '\0');
    std::memcpy(mem.data() + 0x100, "Linux version 6.12.117 #1", 25);
    const std::uint64_t qmap = 1250;  // 5 s at HZ 250
    std::memcpy(mem.data() + 0x200, &qmap, 8);
    // The image starts one page into the fake memory (a start of 0 would read as "not root").
    write_file(root() / "proc/iomem", "  00001000-00001fff : Kernel code\n");
    std::string shifted(0x1000, '\0');
    shifted += mem;
    std::ofstream(root() / "dev/mem", std::ios::binary) << shifted;
  }
  SchedulerLifecycleOptions wd_options(bool with_symbols = true) const {
    SchedulerLifecycleOptions o = options();
    o.kernel_release = "6.12.117";
    o.kernel.hz = 250;
    if (with_symbols)
      o.kernel.symbols = {{"_text", kText},
                          {"linux_banner", kText + 0x100},
                          {"scx_watchdog_timeout", kText + 0x200},
                          {"scx_watchdog_timestamp", kText + 0x208}};
    return o;
  }
  std::uint64_t timeout_in_mem() const {
    std::ifstream f(root() / "dev/mem", std::ios::binary);
    f.seekg(0x1000 + 0x200);
    std::uint64_t v = 0;
    f.read(reinterpret_cast<char*>(&v), 8);
    return v;
  }
};

TEST_F(WatchdogLifecycleTest, WritesTheTimeoutAfterTheAttach) {
  SchedulerSpec s = spec(script("ok.sh", kHealthy));
  s.watchdog_timeout_s = 2;
  s.watchdog_required = true;
  SchedulerLifecycle l(s, host_, wd_options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  EXPECT_EQ(timeout_in_mem(), 500u);
  l.finish(o);
  EXPECT_EQ(o.verdict, "pass") << all(o);
  const auto& w = o.data["scheduler"]["watchdog"];
  EXPECT_EQ(w["applied"], true) << w.dump();
  EXPECT_EQ(w["jiffies"], 500);
  EXPECT_DOUBLE_EQ(w["scheduler_s"].get<double>(), 5.0);
  bool logged = false;
  for (const auto& line : host_.logs)
    logged = logged || line.find("scx_watchdog_timeout 1250 -> 500") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(WatchdogLifecycleTest, AnExplicitTimeoutThatCannotBeAppliedIsAnError) {
  SchedulerSpec s = spec(script("ok.sh", kHealthy));
  s.watchdog_timeout_s = 2;
  s.watchdog_required = true;
  SchedulerLifecycle l(s, host_, wd_options(false));
  ScenarioOutcome o;
  EXPECT_FALSE(l.start(o));
  EXPECT_EQ(o.verdict, "error");
  EXPECT_NE(all(o).find("watchdog_timeout_s = 2 could not be applied"), std::string::npos)
      << all(o);
  EXPECT_NE(all(o).find("no System.map"), std::string::npos) << all(o);
  std::ifstream st(state());
  std::string now;
  st >> now;
  EXPECT_EQ(now, "disabled");  // the scheduler was stopped
}

TEST_F(WatchdogLifecycleTest, TheBuiltInDefaultOnlyWarns) {
  SchedulerSpec s = spec(script("ok.sh", kHealthy));
  s.watchdog_timeout_s = 4;
  SchedulerLifecycleOptions opt = wd_options();
  opt.kernel_release = "6.1.0";  // a System.map of another kernel
  SchedulerLifecycle l(s, host_, opt);
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  l.finish(o);
  EXPECT_EQ(o.verdict, "pass") << all(o);
  EXPECT_EQ(timeout_in_mem(), 1250u);
  const auto& w = o.data["scheduler"]["watchdog"];
  EXPECT_EQ(w["applied"], false);
  EXPECT_NE(w["error"].get<std::string>().find("does not match"), std::string::npos) << w.dump();
  bool warned = false;
  for (const auto& line : host_.logs)
    warned = warned || line.starts_with("warn: watchdog_timeout_s = 4");
  EXPECT_TRUE(warned);
}

TEST_F(WatchdogLifecycleTest, AStallSaysWhichWatchdogWasInForce) {
  const std::string bin =
      script("stall.sh",
             "echo fake > \"$O\"; echo enabled > \"$S\"\n"
             "sleep 0.4\n"
             "printf '%s\\n' '3,10,200,-;sched_ext: BPF scheduler \"fake\" disabled (runnable task "
             "stall)' "
             "'3,11,201,-;sched_ext: fake: ktstr-worker[47] failed to run for 2.700s' >> \"$K\"\n"
             "echo disabled > \"$S\"\nexit 0\n");
  SchedulerSpec s = spec(bin);
  s.watchdog_timeout_s = 2;
  SchedulerLifecycle l(s, host_, wd_options());
  ScenarioOutcome o;
  ASSERT_TRUE(l.start(o)) << all(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  l.finish(o);
  EXPECT_EQ(o.verdict, "fail");
  ASSERT_FALSE(o.details.empty());
  EXPECT_NE(o.details[0].find("failed to run for 2.700s"), std::string::npos) << o.details[0];
  EXPECT_NE(o.details[0].find("watchdog: 2 s (watchdog_timeout_s, written after the attach; the "
                              "scheduler asked for 5 s; in force from the kernel's first check, "
                              "2.5 s after the attach)"),
            std::string::npos)
      << o.details[0];
}

}  // namespace
}  // namespace ktstr
