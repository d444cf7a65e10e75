// --budget: the greedy selection stays within its limit, covers what it
// says, prefers cheap coverage, is deterministic, and its cost model uses
// stored measurements over the documented constants.
#include "plan/budget.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "guest/protocol/topology_presets.h"

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TestInstance inst(const std::string& name, const std::string& sched, std::vector<std::string> flags,
                  const std::string& topo) {
  TestInstance i;
  i.name = name;
  i.scheduler = sched;
  i.flags = std::move(flags);
  const TopologyParse p = parse_topology_string(topo);
  i.topology = p.topology;
  i.vcpus = p.topology.total_cpus();
  return i;
}

std::vector<TestInstance> suite() {
  return {inst("ktstr/a", "eevdf", {}, "1n1l2c1t"),
          inst("ktstr/a/llc", "simple", {"llc"}, "1n1l2c1t"),
          inst("gauntlet/a/smt-2llc", "eevdf", {}, "1n2l2c2t"),
          inst("gauntlet/a/numa2-4llc", "eevdf", {}, "2n4l4c1t"),
          inst("ktstr/b", "eevdf", {}, "1n1l2c1t")};
}

// Recomputes what the chosen names cover, independently of the selection.
std::set<std::string> covered_by(const std::vector<TestInstance>& all,
                                 const std::vector<std::string>& chosen) {
  std::set<std::string> out;
  for (const auto& i : all)
    if (std::find(chosen.begin(), chosen.end(), i.name) != chosen.end())
      for (const auto& f : coverage_features(i, "k")) out.insert(f);
  return out;
}

TEST(Budget, StaysWithinItsLimitAndCoversWhatItClaims) {
  const auto all = suite();
  const CostModel constants;
  for (double limit : {6.0, 12.0, 20.0, 40.0, 1000.0}) {
    const BudgetSelection s = select_within_budget(all, {"k"}, limit, constants);
    EXPECT_LE(s.used_s, limit);
    double sum = 0;
    for (const auto& i : all)
      if (std::find(s.names.begin(), s.names.end(), i.name) != s.names.end())
        sum += constants.estimate(i, "k").first;
    EXPECT_NEAR(sum, s.used_s, 1e-9) << limit;
    EXPECT_EQ(covered_by(all, s.names).size(), s.covered) << limit;
    EXPECT_EQ(s.candidates, 5u);
  }
  const BudgetSelection big = select_within_budget(all, {"k"}, 1000, constants);
  EXPECT_EQ(big.chosen, 5u);
  EXPECT_EQ(big.covered, big.possible);
  EXPECT_TRUE(big.missed.empty());
  EXPECT_THAT(big.line(), HasSubstr("budget: 5/5 tests,"));
}

TEST(Budget, CheapNewCoverageComesFirstAndAnExactDuplicateComesLast) {
  const auto all = suite();
  // 6 s fits one plain 2-vCPU test (2 + 0.4 + 2 + 1 = 5.4 s) only.
  const BudgetSelection one = select_within_budget(all, {"k"}, 6, CostModel{});
  EXPECT_THAT(one.names, ElementsAre("ktstr/a"));
  EXPECT_THAT(one.line(), HasSubstr("budget: 1/5 tests, 5.4/6 s, "));
  // ktstr/b covers nothing ktstr/a does not: it is only the filler.
  const BudgetSelection s = select_within_budget(all, {"k"}, 30, CostModel{});
  EXPECT_THAT(s.names, ::testing::Contains("gauntlet/a/numa2-4llc"));
  EXPECT_EQ(s.covered, s.possible);
}

TEST(Budget, TheSelectionIsDeterministic) {
  const auto all = suite();
  const auto a = select_within_budget(all, {"k"}, 17, CostModel{});
  const auto b = select_within_budget(all, {"k"}, 17, CostModel{});
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.line(), b.line());
}

TEST(Budget, FeaturesAreSchedulerFlagsBucketsSmtWorkAndKernel) {
  EXPECT_THAT(coverage_features(inst("x", "simple", {"llc", "steal"}, "2n4l2c2t"), "cloud"),
              ElementsAre("cpus=9-16", "flag=llc", "flag=steal", "kernel=cloud", "llcs=3-4",
                          "numa=2", "scheduler=simple", "smt=yes"));
}

}  // namespace
}  // namespace ktstr
