#include "exec/host_budget.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace ktstr {
namespace {

constexpr const char* kMeminfo =
    "MemTotal:       24683520 kB\n"
    "MemFree:        20740096 kB\n"
    "MemAvailable:   23691264 kB\n"
    "Buffers:          123456 kB\n"
    "Cached:          3000000 kB\n"
    "SwapCached:            0 kB\n"
    "HugePages_Total:       0\n";

TEST(ParseMeminfo, ReadsTheFieldsInKib) {
  const MemInfo m = parse_meminfo(kMeminfo);
  EXPECT_EQ(m.total_kib, 24683520);
  EXPECT_EQ(m.available_kib, 23691264);
  EXPECT_EQ(m.free_kib, 20740096);
  EXPECT_EQ(m.cached_kib, 3000000);  // not SwapCached
}

TEST(ParseMeminfo, AFieldItLacksIsUnset) {
  // Linux before 3.14 has no MemAvailable.
  const MemInfo m = parse_meminfo("MemTotal: 1000 kB\nMemFree: 500 kB\n");
  EXPECT_EQ(m.total_kib, 1000);
  EXPECT_FALSE(m.available_kib.has_value());
  EXPECT_FALSE(m.cached_kib.has_value());
}

TEST(ParseMeminfo, GarbageLeavesFieldsUnsetAndNeverThrows) {
  for (const char* text :
       {"", "\n\n", "MemAvailable", "MemAvailable:", "MemAvailable: kB", "MemAvailable: -5 kB",
        "MemAvailable: 12 MB", "MemAvailable: 12x kB", "MemAvailable: 99999999999999999999999 kB",
        "\xff\xfe:\x01", "MemAvailable 123 kB"}) {
    const MemInfo m = parse_meminfo(text);
    EXPECT_FALSE(m.available_kib.has_value()) << text;
  }
}

TEST(ParseMeminfo, ToleratesMissingUnitAndCrlf) {
  EXPECT_EQ(parse_meminfo("MemAvailable:   4096\r\n").available_kib, 4096);
  EXPECT_EQ(parse_meminfo("junk line\nMemAvailable: 8 kB").available_kib, 8);
}

TEST(MemoryBudget, KeepsTheLargerOfOneGibAndTenPercentBack) {
  EXPECT_EQ(memory_budget_mib(4096), 4096 - 1024);    // 10 % < 1 GiB
  EXPECT_EQ(memory_budget_mib(20480), 20480 - 2048);  // 10 % > 1 GiB
  EXPECT_EQ(memory_budget_mib(1200), 512);            // never below 512 MiB
  EXPECT_EQ(memory_budget_mib(0), kMinMemoryBudgetMib);
  EXPECT_EQ(memory_budget_mib(-7), kMinMemoryBudgetMib);
}

TEST(HostBudget, CpusFollowTheAffinityMaskNotTheMachine) {
  // A thread pinned to one CPU (as under `taskset -c 0`) sees one.
  int seen = 0;
  std::thread pinned([&] {
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    int first = 0;
    while (!CPU_ISSET(first, &set)) ++first;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    ASSERT_EQ(sched_setaffinity(0, sizeof set, &set), 0);
    seen = host_cpus();
  });
  pinned.join();
  EXPECT_EQ(seen, 1);
  EXPECT_LE(host_cpus(), static_cast<int>(std::thread::hardware_concurrency()));
}

TEST(HostBudget, MemoryComesFromMemAvailable) {
  std::ifstream in("/proc/meminfo");
  std::ostringstream text;
  text << in.rdbuf();
  const auto kib = parse_meminfo(text.str()).available_kib;
  if (!kib) GTEST_SKIP() << "this kernel's /proc/meminfo has no MemAvailable";
  // MemAvailable moves while the test runs: allow it 20 %.
  const std::int64_t mib = *kib / 1024;
  const std::int64_t budget = host_memory_budget_mib();
  EXPECT_GE(budget, memory_budget_mib(mib * 8 / 10));
  EXPECT_LE(budget, memory_budget_mib(mib * 12 / 10));
}

}  // namespace
}  // namespace ktstr
