// make_plan: the instances a run gets (names, directories, order, settings),
// what the filters keep, how shards split a suite and how a seed orders it.
#include "plan/plan.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "resolved_tests.h"

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const PlanKernel kCloud{.label = "6.12.117-cloud", .dimension = "kernel_6_12_117"};
const PlanKernel kScx{
    .label = "6.12.117-scx-b03192c9", .dimension = "kernel_6_12_117_scx", .sched_ext = true};

std::vector<std::string> names(const std::vector<TestInstance>& instances) {
  std::vector<std::string> out;
  for (const auto& i : instances) out.push_back(i.name);
  return out;
}
std::vector<std::string> dirs(const std::vector<TestInstance>& instances) {
  std::vector<std::string> out;
  for (const auto& i : instances) out.push_back(i.dir);
  return out;
}
FilterExpr expr(const std::string& text) {
  std::string error;
  auto e = FilterExpr::parse(text, &error);
  EXPECT_TRUE(e) << error;
  return e ? *e : FilterExpr();
}

TEST(MakePlan, OneKernelNamesCarryNoSuffixAndTestsAreSortedByName) {
  testing::ResolvedTests t;
  t.add("spread");
  t.add("fair");
  const Plan plan = make_plan(t.all(), {kCloud}, {});
  EXPECT_THAT(names(plan.instances), ElementsAre("ktstr/fair", "ktstr/spread"));
  EXPECT_THAT(dirs(plan.instances), ElementsAre("fair", "spread"));
  EXPECT_EQ(plan.total_before_filters, 2u);
  EXPECT_EQ(plan.filtered_out, 0u);
  EXPECT_FALSE(plan.nothing_matched());
}

TEST(MakePlan, SeveralKernelsAddTheDimensionToNamesAndDirs) {
  testing::ResolvedTests t;
  t.add("spread");
  t.add("fair");
  const Plan plan = make_plan(t.all(), {kCloud, kScx}, {});
  EXPECT_THAT(names(plan.instances),
              ElementsAre("ktstr/fair/kernel_6_12_117", "ktstr/fair/kernel_6_12_117_scx",
                          "ktstr/spread/kernel_6_12_117", "ktstr/spread/kernel_6_12_117_scx"));
  EXPECT_THAT(dirs(plan.instances),
              ElementsAre("fair-kernel_6_12_117", "fair-kernel_6_12_117_scx",
                          "spread-kernel_6_12_117", "spread-kernel_6_12_117_scx"));
  EXPECT_EQ(plan.instances[1].kernel_index, 1u);
  EXPECT_EQ(plan.kernels.size(), 2u);
}

TEST(MakePlan, InstancesCarryTheirSettings) {
  testing::ResolvedTests t;
  t.add("plain");
  t.add("big", {{"scheduler", "simple"},
                {"topology.numa_nodes", 2},
                {"topology.llcs", 8},
                {"topology.cores", 4},
                {"topology.threads", 2}});
  t.add("small", {{"memory_mib", 100}, {"topology.cores", 1}});
  t.add("asks", {{"memory_mib", 3000}});
  const Plan plan = make_plan(t.all(), {kCloud}, {});
  ASSERT_EQ(plan.instances.size(), 4u);
  const TestInstance& asks = plan.instances[0];
  const TestInstance& big = plan.instances[1];
  const TestInstance& plain = plan.instances[2];
  const TestInstance& small = plan.instances[3];
  EXPECT_EQ(plain.scheduler, "eevdf");
  EXPECT_EQ(plain.topology.str(), "1n1l2c1t");
  EXPECT_EQ(plain.vcpus, 2);
  EXPECT_EQ(plain.memory_mib, 2048);  // the default request
  EXPECT_EQ(big.scheduler, "simple");
  EXPECT_EQ(big.topology.str(), "2n8l4c2t");
  EXPECT_EQ(big.vcpus, 64);
  EXPECT_EQ(big.memory_mib, 64 * 64);  // 64 MiB per vCPU beats the request
  EXPECT_EQ(small.memory_mib, 256);    // the floor
  EXPECT_EQ(asks.memory_mib, 3000);
  EXPECT_FALSE(plain.host_only);
  EXPECT_FALSE(plain.ignored);
  EXPECT_EQ(plain.test->name, "plain");
}

TEST(MakePlan, ReplicasAndRepeatMultiplyWithTheirOwnDirs) {
  testing::ResolvedTests t;
  t.add("fair", {{"replicas", 2}});
  t.add("once");
  const Plan plan = make_plan(t.all(), {kCloud}, {.repeat = 2});
  EXPECT_THAT(dirs(plan.instances),
              ElementsAre("fair/replica-1/run-1", "fair/replica-1/run-2", "fair/replica-2/run-1",
                          "fair/replica-2/run-2", "once/run-1", "once/run-2"));
  std::vector<std::string> shown;
  for (const auto& i : plan.instances) shown.push_back(i.display_name());
  EXPECT_THAT(
      shown, ElementsAre("ktstr/fair (replica 1/2) (run 1/2)", "ktstr/fair (replica 1/2) (run 2/2)",
                         "ktstr/fair (replica 2/2) (run 1/2)", "ktstr/fair (replica 2/2) (run 2/2)",
                         "ktstr/once (run 1/2)", "ktstr/once (run 2/2)"));
  EXPECT_EQ(format_list(plan), "ktstr/fair\nktstr/once\n");
  std::set<std::string> keys;
  for (const auto& i : plan.instances) keys.insert(i.key());
  EXPECT_EQ(keys.size(), plan.instances.size());
}

TEST(MakePlan, ReplicasOnlyOrderKernelFirst) {
  testing::ResolvedTests t;
  t.add("fair", {{"replicas", 2}});
  const Plan plan = make_plan(t.all(), {kCloud, kScx}, {});
  EXPECT_THAT(
      dirs(plan.instances),
      ElementsAre("fair-kernel_6_12_117/replica-1", "fair-kernel_6_12_117/replica-2",
                  "fair-kernel_6_12_117_scx/replica-1", "fair-kernel_6_12_117_scx/replica-2"));
}

TEST(MakePlan, AHostOnlyTestRunsOnceWithoutAKernelSuffix) {
  testing::ResolvedTests t;
  t.add("on_host", {{"host_only", true}});
  t.add("in_vm");
  const Plan plan = make_plan(t.all(), {kCloud, kScx}, {});
  EXPECT_THAT(names(plan.instances),
              ElementsAre("ktstr/in_vm/kernel_6_12_117", "ktstr/in_vm/kernel_6_12_117_scx",
                          "ktstr/on_host"));
  EXPECT_TRUE(plan.instances[2].host_only);
  EXPECT_EQ(plan.instances[2].kernel_index, 0u);
  EXPECT_EQ(plan.instances[2].dir, "on_host");
}

TEST(MakePlan, ASchedExtTestStaysOnAKernelWithoutSchedExt) {
  testing::ResolvedTests t;
  t.add("scx", {{"scheduler", "simple"}});
  const Plan plan = make_plan(t.all(), {kCloud, kScx}, {});
  EXPECT_EQ(plan.instances.size(), 2u);  // the runner SKIPs the cloud one with its reason
}

TEST(MakePlan, NoKernelsMeansOneUnnamedKernel) {
  testing::ResolvedTests t;
  t.add("fair");
  const Plan plan = make_plan(t.all(), {}, {});
  EXPECT_THAT(names(plan.instances), ElementsAre("ktstr/fair"));
  ASSERT_EQ(plan.kernels.size(), 1u);
  EXPECT_EQ(plan.instances[0].kernel_index, 0u);
}

class PlanFilters : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.add("fair_llc");
    t_.add("fair_numa");
    t_.add("spread");
    t_.add("slow", {{"ignore", true}});
  }
  Plan plan(PlanOptions o, std::vector<PlanKernel> kernels = {kCloud}) {
    return make_plan(t_.all(), kernels, o);
  }
  testing::ResolvedTests t_;
};

TEST_F(PlanFilters, SubstringFiltersAreOred) {
  const Plan p = plan({.filters = {"llc", "spread"}});
  EXPECT_THAT(names(p.instances), ElementsAre("ktstr/fair_llc", "ktstr/spread"));
  EXPECT_EQ(p.total_before_filters, 4u);
  EXPECT_EQ(p.filtered_out, 2u);
}

TEST_F(PlanFilters, ExpressionsAreOred) {
  const Plan p = plan({.exprs = {expr("test(numa)"), expr("test(=ktstr/spread)")}});
  EXPECT_THAT(names(p.instances), ElementsAre("ktstr/fair_numa", "ktstr/spread"));
}

TEST_F(PlanFilters, FiltersAndExpressionsIntersect) {
  const Plan p = plan({.filters = {"fair", "spread"}, .exprs = {expr("test(llc) | test(spread)")}});
  EXPECT_THAT(names(p.instances), ElementsAre("ktstr/fair_llc", "ktstr/spread"));
  const Plan none = plan({.filters = {"fair"}, .exprs = {expr("test(spread)")}});
  EXPECT_TRUE(none.nothing_matched());
}

TEST_F(PlanFilters, ASubstringFilterSeesTheKernelSuffix) {
  const Plan p = plan({.filters = {"fair_llc/kernel_6_12_117_scx"}}, {kCloud, kScx});
  EXPECT_THAT(names(p.instances), ElementsAre("ktstr/fair_llc/kernel_6_12_117_scx"));
  const Plan e = plan({.exprs = {expr("test(fair_llc) & !kernel(cloud)")}}, {kCloud, kScx});
  EXPECT_THAT(names(e.instances), ElementsAre("ktstr/fair_llc/kernel_6_12_117_scx"));
}

TEST_F(PlanFilters, IgnoredTestsThatMatchAreReportedNotRun) {
  const Plan p = plan({});
  EXPECT_THAT(names(p.instances), ElementsAre("ktstr/fair_llc", "ktstr/fair_numa", "ktstr/spread"));
  EXPECT_THAT(names(p.ignored), ElementsAre("ktstr/slow"));
  EXPECT_TRUE(p.ignored[0].ignored);
  EXPECT_EQ(format_list(p), "ktstr/fair_llc\nktstr/fair_numa\nktstr/spread\n");
  // Filtered away, an ignored test is not reported at all.
  const Plan filtered = plan({.filters = {"fair"}});
  EXPECT_THAT(filtered.ignored, IsEmpty());
}

TEST_F(PlanFilters, RunIgnoredRunsThem) {
  const Plan p = plan({.run_ignored = true});
  EXPECT_THAT(names(p.instances),
              ElementsAre("ktstr/fair_llc", "ktstr/fair_numa", "ktstr/slow", "ktstr/spread"));
  EXPECT_THAT(p.ignored, IsEmpty());
  EXPECT_EQ(format_list(p), "ktstr/fair_llc\nktstr/fair_numa\nktstr/slow\nktstr/spread\n");
  const Plan only = plan({.exprs = {expr("ignored()")}, .run_ignored = true});
  EXPECT_THAT(names(only.instances), ElementsAre("ktstr/slow"));
}

TEST_F(PlanFilters, NothingMatched) {
  EXPECT_TRUE(plan({.filters = {"fiar"}}).nothing_matched());
  EXPECT_EQ(plan({.filters = {"fiar"}}).filtered_out, 4u);
  EXPECT_TRUE(plan({.exprs = {expr("none()")}}).nothing_matched());
  // Only an ignored test matched: it is reported as SKIP, so something matched.
  EXPECT_FALSE(plan({.filters = {"slow"}}).nothing_matched());
  EXPECT_TRUE(make_plan({}, {kCloud}, {}).nothing_matched());
}

// Ten tests, two with replicas, on two kernels, run twice: 48 instances.
class PlanPartitions : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* n : {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"})
      t_.add(n, n[0] < 'c' ? nlohmann::json{{"replicas", 2}} : nlohmann::json::object());
  }
  Plan shard(const std::string& text, std::vector<PlanKernel> kernels = {kCloud, kScx}) {
    std::string error;
    auto p = parse_partition(text, &error);
    EXPECT_TRUE(p) << error;
    return make_plan(t_.all(), kernels, {.repeat = 2, .partition = p});
  }
  testing::ResolvedTests t_;
};

TEST_F(PlanPartitions, EveryInstanceIsInExactlyOneShard) {
  const size_t total = make_plan(t_.all(), {kCloud, kScx}, {.repeat = 2}).instances.size();
  ASSERT_EQ(total, 48u);
  for (const char* kind : {"hash", "count"}) {
    for (int n = 1; n <= 5; ++n) {
      std::map<std::string, int> seen;  // key -> how many shards hold it
      std::map<std::string, std::set<int>> shards_of_name;
      for (int k = 1; k <= n; ++k) {
        const Plan p = shard(fmt::format("{}:{}/{}", kind, k, n));
        EXPECT_EQ(p.instances.size() + p.partitioned_out, total);
        EXPECT_FALSE(p.nothing_matched());
        for (const auto& i : p.instances) {
          ++seen[i.key()];
          shards_of_name[i.name].insert(k);
        }
      }
      EXPECT_EQ(seen.size(), total) << kind << " N=" << n;
      for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key;
      // Replicas and repetitions of one name stay in one shard.
      for (const auto& [name, in] : shards_of_name) EXPECT_EQ(in.size(), 1u) << name;
    }
  }
}

TEST_F(PlanPartitions, CountDealsSortedNamesRoundRobin) {
  const Plan p = shard("count:2/3", {kCloud});
  EXPECT_EQ(format_list(p), "ktstr/b\nktstr/e\nktstr/h\n");
  EXPECT_EQ(p.instances.size(), 4u + 2u + 2u);  // b has two replicas, each run twice
  EXPECT_EQ(p.partitioned_out, 24u - 8u);
}

TEST_F(PlanPartitions, HashShardsArePinned) {
  // CRC-32 of the name mod N (checked against zlib.crc32): the same shard on
  // every run and machine.
  EXPECT_EQ(format_list(shard("hash:1/3", {kCloud})), "ktstr/a\nktstr/c\nktstr/h\nktstr/i\n");
  EXPECT_EQ(format_list(shard("hash:2/3", {kCloud})), "ktstr/e\nktstr/f\nktstr/g\n");
  EXPECT_EQ(format_list(shard("hash:3/3", {kCloud})), "ktstr/b\nktstr/d\nktstr/j\n");
}

TEST_F(PlanPartitions, AnEmptyShardIsNotNothingMatched) {
  testing::ResolvedTests one;
  one.add("a");
  auto p = parse_partition("count:2/2", nullptr);
  const Plan plan = make_plan(one.all(), {kCloud}, {.partition = p});
  EXPECT_THAT(plan.instances, IsEmpty());
  EXPECT_FALSE(plan.nothing_matched());
  // A filter that matched nothing still is, shard or not.
  EXPECT_TRUE(
      make_plan(one.all(), {kCloud}, {.filters = {"zz"}, .partition = p}).nothing_matched());
}

TEST_F(PlanPartitions, IgnoredInstancesAreShardedToo) {
  testing::ResolvedTests t;
  t.add("a");
  t.add("b", {{"ignore", true}});
  auto first = parse_partition("count:1/2", nullptr);
  auto second = parse_partition("count:2/2", nullptr);
  EXPECT_THAT(names(make_plan(t.all(), {kCloud}, {.partition = first}).ignored), IsEmpty());
  EXPECT_THAT(names(make_plan(t.all(), {kCloud}, {.partition = second}).ignored),
              ElementsAre("ktstr/b"));
}

class PlanShuffle : public PlanPartitions {
 protected:
  Plan shuffled(std::uint64_t seed) {
    return make_plan(t_.all(), {kCloud}, {.repeat = 2, .shuffle_seed = seed});
  }
};

TEST_F(PlanShuffle, ASeedGivesTheSameOrderEveryTime) {
  EXPECT_EQ(dirs(shuffled(42).instances), dirs(shuffled(42).instances));
  // Pinned: std::mt19937_64's sequence is fixed by the standard, and the
  // shuffle is ours, so this order holds with every standard library (it was
  // checked against a Python model of the standard engine and of the shuffle).
  EXPECT_EQ(format_list(shuffled(42)),
            "ktstr/b\nktstr/h\nktstr/j\nktstr/a\nktstr/d\nktstr/i\nktstr/e\nktstr/c\nktstr/f\n"
            "ktstr/g\n");
  EXPECT_NE(format_list(shuffled(1)), format_list(shuffled(2)));
}

TEST_F(PlanShuffle, ItReordersNamesAndKeepsEachNamesRunsInOrder) {
  const Plan plain = make_plan(t_.all(), {kCloud}, {.repeat = 2});
  const Plan p = shuffled(7);
  EXPECT_NE(format_list(p), format_list(plain));
  const std::vector<std::string> before = dirs(plain.instances), after = dirs(p.instances);
  EXPECT_EQ(std::multiset<std::string>(before.begin(), before.end()),
            std::multiset<std::string>(after.begin(), after.end()));
  // Each name's instances are contiguous (ten blocks) and in replica/run order.
  size_t blocks = 1;
  for (size_t k = 1; k < p.instances.size(); ++k) {
    const TestInstance& prev = p.instances[k - 1];
    const TestInstance& cur = p.instances[k];
    if (prev.name == cur.name)
      EXPECT_LT(prev.dir, cur.dir);
    else
      ++blocks;
  }
  EXPECT_EQ(blocks, 10u);
}

}  // namespace
}  // namespace ktstr
