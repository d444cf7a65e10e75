#include "vmm/console_classifier.h"

#include <gtest/gtest.h>

#include <string>

#include "guest/protocol/valid_utf8.h"

namespace ktstr {
namespace {

TEST(ConsoleClassifier, CapturesPanicReasonAcrossPieces) {
  ConsoleClassifier c;
  std::string text =
      "[    1.0] Run /init as init process\r\n"
      "[    2.5] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r\n"
      "[    2.5] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---\r\n";
  for (char ch : text) c.feed(std::string_view(&ch, 1));
  ASSERT_EQ(c.findings().size(), 1u);
  const ConsoleFinding& f = c.findings()[0];
  EXPECT_EQ(f.kind, FindingKind::kKernelPanic);
  EXPECT_EQ(f.detail, "VFS: Unable to mount root fs on unknown-block(0,0)");
  EXPECT_EQ(f.line_number, 2u);
  EXPECT_EQ(f.line.back(), ')');  // '\r' stripped
  EXPECT_TRUE(c.has_fatal());
}

TEST(ConsoleClassifier, AgentDeathDecodesTheExitCode) {
  ConsoleClassifier c;
  c.feed("Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n");
  c.feed("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n");
  ASSERT_NE(c.first(FindingKind::kAgentDied), nullptr);
  EXPECT_EQ(c.first(FindingKind::kAgentDied)->detail, "exitcode=0x0000000b (killed by signal 11)");
  EXPECT_EQ(c.findings()[3].detail, "exitcode=0x00000100 (exit status 1)");
  ASSERT_NE(c.first(FindingKind::kKernelPanic), nullptr);
  EXPECT_EQ(c.first(FindingKind::kKernelPanic)->detail,
            "Attempted to kill init! exitcode=0x0000000b");
}

TEST(ConsoleClassifier, NamesEachKindOfTrouble) {
  ConsoleClassifier c;
  c.feed(
      "[ 1.0] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
      "[ 1.0] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
      "[ 9.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
      "[ 9.1] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n"
      "[ 0.5] Initramfs unpacking failed: write error\n"
      "[ 5.0] Out of memory: Killed process 42 (hog) total-vm:1kB\n"
      "[ 5.0] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null)\n"
      "[ 6.0] kernel BUG at lib/string_helpers.c:1031! fortify_panic+0x13/0x20\n"
      "[ 7.0] sched_ext: BPF scheduler \"qmap\" disabled (scx_bpf_error)\n"
      "[ 8.0] sched_ext: BPF scheduler \"simple\" disabled (unregistered from user space)\n"
      "[ 8.1] sched_ext: BPF scheduler \"simple\" enabled\n");
  std::vector<std::string> kinds;
  for (const auto& f : c.findings()) kinds.emplace_back(to_string(f.kind));
  EXPECT_EQ(kinds,
            (std::vector<std::string>{
                "bug", "oops", "rcu_stall", "rcu_stall", "initramfs_unpacking_failed",
                "out_of_memory", "fortify_panic", "sched_ext_disabled", "sched_ext_disabled"}));
  EXPECT_EQ(c.findings()[0].detail, "kernel NULL pointer dereference, address: 0000000000000008");
  EXPECT_EQ(c.findings()[2].detail, "rcu_preempt");
  EXPECT_EQ(c.findings()[3].detail, "rcu_sched");
  EXPECT_EQ(c.findings()[4].detail, "write error");
  EXPECT_EQ(c.findings()[7].detail, "qmap: scx_bpf_error");
  EXPECT_TRUE(c.findings()[7].fatal);
  EXPECT_EQ(c.findings()[8].detail, "simple: unregistered from user space");
  EXPECT_FALSE(c.findings()[8].fatal);
}

TEST(ConsoleClassifier, OrdinaryTextAndNormalScxExitAreNotFatal) {
  ConsoleClassifier c;
  c.feed(
      "[ 0.1] Linux version 6.12\nBUGS are fun\nOopsie\nrcu: Hierarchical RCU implementation.\n");
  c.feed("sched_ext: BPF scheduler \"simple\" disabled (unregistered from user space)\n");
  EXPECT_EQ(c.findings().size(), 1u);
  EXPECT_FALSE(c.has_fatal());
}

TEST(ConsoleClassifier, TailIsBoundedAndEndsWithThePartialLine) {
  ConsoleClassifier c(/*tail_bytes=*/64);
  for (int i = 0; i < 100; ++i) c.feed("line " + std::to_string(i) + "\n");
  c.feed("partial");
  std::string tail = c.tail();
  EXPECT_LE(tail.size(), 64u + 7u);
  EXPECT_EQ(tail.substr(0, 8), "line 92\n");  // starts at a line boundary
  EXPECT_EQ(tail.substr(tail.size() - 15), "line 99\npartial");
  EXPECT_EQ(c.lines(), 100u);
  c.finish();
  EXPECT_EQ(c.lines(), 101u);
}

TEST(ConsoleClassifier, HugeLinesAndFloodsStayBounded) {
  ConsoleClassifier c(/*tail_bytes=*/1024, /*max_line=*/256, /*max_findings=*/3);
  std::string junk(1 << 20, 'x');
  c.feed(junk);
  const std::string late = "Kernel panic - not syncing: late in a long line\n";
  c.feed(late);  // beyond the line cap: ignored
  EXPECT_TRUE(c.findings().empty());
  EXPECT_LE(c.tail().size(), 1024u);
  const std::string bug = "BUG: soft lockup - CPU#0 stuck for 22s!\n";
  for (int i = 0; i < 10; ++i) c.feed(bug);
  EXPECT_EQ(c.findings().size(), 3u);
  EXPECT_EQ(c.dropped_findings(), 7u);
  EXPECT_EQ(c.bytes(), junk.size() + late.size() + 10 * bug.size());
}

TEST(ConsoleClassifier, BinaryGarbageNeverCrashes) {
  ConsoleClassifier c;
  std::string bytes;
  unsigned x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245 + 12345;
    bytes.push_back(static_cast<char>(x >> 16));
  }
  c.feed(bytes);
  c.finish();
  EXPECT_LE(c.tail().size(), 16u * 1024u + 4096u);
}

TEST(ConsoleClassifier, InvalidUtf8IsReplacedInTailAndFindings) {
  // Long lines are cut at the line cap, which may split a character, too.
  ConsoleClassifier c(/*tail_bytes=*/64, /*max_line=*/80);
  c.feed("\xff\n[ 1.0] BUG: bad \xc3(\n" + std::string(79, 'a') + "\xc3\xa9\n\xe2\x82");
  EXPECT_TRUE(is_valid_utf8(c.tail())) << c.tail();
  EXPECT_TRUE(c.tail().ends_with(kReplacementChar)) << c.tail();  // the pending partial line
  ASSERT_EQ(c.findings().size(), 1u);
  EXPECT_EQ(c.findings()[0].line, "[ 1.0] BUG: bad \xEF\xBF\xBD(");
  EXPECT_EQ(c.findings()[0].detail, "bad \xEF\xBF\xBD(");
}

}  // namespace
}  // namespace ktstr
