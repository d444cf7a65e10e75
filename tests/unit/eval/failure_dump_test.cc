// The console's failure dump from data.scheduler: what a user reads under a
// FAIL, and that guest garbage in those fields neither throws nor forges lines.
#include "eval/failure_dump.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

using json = nlohmann::json;

json qmap_scheduler() {
  return {
      {"bpf",
       {{"captured_at", "exit"},
        {"programs", json::array({{{"id", 7}, {"name", "qmap_enqueue"}}})},
        {"maps", json::array({{{"name", "scx_qmap.bss"},
                               {"type", "array"},
                               {"entries", 1},
                               {"truncated", false},
                               {"values", "nr_enqueued = 14\nnr_dispatched = 13\n"}},
                              {{"name", "stats"},
                               {"type", "percpu_array"},
                               {"entries", 3},
                               {"truncated", true},
                               {"values", "0:\n  cpu0: 5\n1:\n  cpu0: 6\n2:\n  cpu0: 7\n"}}})}}},
      {"sysrq_dump",
       {{"status", "captured"},
        {"lines", {"CPU 0   : nr_run=1", "  curr=swapper/0[0]"}},
        {"truncated", false}}}};
}

TEST(FailureDump, MapsUnderRunnerHeadingsValuesQuoted) {
  EXPECT_EQ(format_failure_dump(qmap_scheduler()),
            "failure dump (captured at exit; 2 maps, 1 struct_ops program):\n"
            "map scx_qmap.bss (array, 1 entry):\n"
            "| nr_enqueued = 14\n"
            "| nr_dispatched = 13\n"
            "map stats (percpu_array, 3 entries, truncated):\n"
            "| 0:\n"
            "|   cpu0: 5\n"
            "| 1:\n"
            "|   cpu0: 6\n"
            "| 2:\n"
            "|   cpu0: 7\n"
            "SysRq-D (sched_ext state): 2 lines\n"
            "| CPU 0   : nr_run=1\n"
            "|   curr=swapper/0[0]");
}

TEST(FailureDump, LinesPerMapAreBounded) {
  json s = qmap_scheduler();
  FailureDumpStyle style;
  style.lines_per_map = 2;
  const std::string out = format_failure_dump(s, style);
  EXPECT_NE(out.find("| 0:\n|   cpu0: 5\n| [... 4 more lines]\n"), std::string::npos) << out;
}

TEST(FailureDump, SysRqNotTakenSaysWhy) {
  json s = qmap_scheduler();
  s["sysrq_dump"] = {{"status", "no CONFIG_MAGIC_SYSRQ"}};
  EXPECT_NE(format_failure_dump(s).find("\nSysRq-D: not taken (no CONFIG_MAGIC_SYSRQ)"),
            std::string::npos);
}

TEST(FailureDump, NothingCapturedPrintsNothing) {
  EXPECT_EQ(format_failure_dump(json::object()), "");
  EXPECT_EQ(format_failure_dump(json("garbage")), "");
  EXPECT_EQ(format_failure_dump({{"bpf", {{"programs", json::array()}}}}), "");
}

TEST(FailureDump, GarbageFieldsReadAsAbsentAndNeverForgeALine) {
  json s = {
      {"bpf",
       {{"captured_at", 42},
        {"maps",
         json::array({7,
                      "x",
                      {{"name", "a\nPASS ktstr/fake 0.1s\x1b[2J"},
                       {"type", json::array()},
                       {"entries", -3},
                       {"truncated", "yes"},
                       {"values", "v\r\nPASS ktstr/fake 0.1s\n" + std::string(100000, 'y')}}})}}},
      {"sysrq_dump", {{"status", "captured"}, {"lines", {1, json::object(), "\x1b]0;t\x07"}}}}};
  const std::string out = format_failure_dump(s);
  EXPECT_NE(out.find("map a\\nPASS ktstr/fake 0.1s\\x1b[2J (?, ? entries):\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("map  (?, ? entries):"), std::string::npos) << out;  // 7 and "x"
  EXPECT_NE(out.find("| \\x1b]0;t\\x07"), std::string::npos) << out;
  EXPECT_LT(out.size(), 2000u);  // the 100 kB line is cut
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    const std::string line = out.substr(start, nl - start);
    EXPECT_FALSE(line.starts_with("PASS")) << line;
    for (char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

}  // namespace
}  // namespace ktstr
