#include "guest/protocol/observed_topology.h"

#include <gtest/gtest.h>

#include "fake_sysfs.h"

namespace ktstr {
namespace {

using testing::topo;
using Groups = std::vector<std::vector<int>>;

ObservedTopology observed(int cpus, Groups llcs, Groups smt, Groups nodes) {
  ObservedTopology t;
  t.cpus = cpus;
  t.llc_groups = std::move(llcs);
  t.smt_groups = std::move(smt);
  t.numa_nodes = std::move(nodes);
  return t;
}

TEST(CpuList, ParsesRangesAndSingles) {
  std::vector<int> v;
  ASSERT_TRUE(parse_cpu_list("0-3,6,8-9\n", v));
  EXPECT_EQ(v, (std::vector<int>{0, 1, 2, 3, 6, 8, 9}));
  ASSERT_TRUE(parse_cpu_list("5", v));
  EXPECT_EQ(v, (std::vector<int>{5}));
  ASSERT_TRUE(parse_cpu_list("\n", v));  // an empty node's cpulist
  EXPECT_TRUE(v.empty());
  ASSERT_TRUE(parse_cpu_list("3,1,1-2", v));
  EXPECT_EQ(v, (std::vector<int>{1, 2, 3}));
}

TEST(CpuList, RejectsMalformedText) {
  std::vector<int> v{42};
  for (const char* bad :
       {"a", "1-", "-1", "3-1", "1,,2", "1,", "1 2", "0-99999999", "+1", "1-2-3", "4294967296"}) {
    EXPECT_FALSE(parse_cpu_list(bad, v)) << bad;
  }
  EXPECT_EQ(v, (std::vector<int>{42}));  // untouched on failure
}

TEST(CpuList, FormatsCompactly) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 6, 8, 9}), "0-3,6,8-9");
  EXPECT_EQ(format_cpu_list({3, 1, 2, 2}), "1-3");
  EXPECT_EQ(format_cpu_list({}), "");
  std::vector<int> v;
  ASSERT_TRUE(parse_cpu_list(format_cpu_list({0, 2, 4, 5, 6}), v));
  EXPECT_EQ(v, (std::vector<int>{0, 2, 4, 5, 6}));
}

TEST(Shape, UniformGroupsGiveTheShape) {
  auto t = observed(8, {{0, 1, 2, 3}, {4, 5, 6, 7}}, {{0, 1}, {2, 3}, {4, 5}, {6, 7}},
                    {{0, 1, 2, 3}, {4, 5, 6, 7}});
  ASSERT_TRUE(t.shape());
  EXPECT_EQ(t.shape()->str(), "2n2l2c2t");
}

TEST(Shape, MissingSmtAndNumaMeanOneEach) {
  auto t = observed(3, {{0}, {1}, {2}}, {}, {});
  ASSERT_TRUE(t.shape());
  EXPECT_EQ(t.shape()->str(), "1n3l1c1t");
}

TEST(Shape, NonUniformGroupsHaveNoShape) {
  // Unequal LLCs.
  EXPECT_FALSE(observed(3, {{0, 1}, {2}}, {}, {}).shape());
  // An SMT pair straddling two LLCs.
  EXPECT_FALSE(observed(4, {{0, 1}, {2, 3}}, {{0}, {1, 2}, {3}}, {}).shape());
  // An LLC straddling two nodes.
  EXPECT_FALSE(observed(4, {{0, 1, 2}, {3}}, {}, {{0, 1}, {2, 3}}).shape());
  // cpus disagrees with the groups.
  EXPECT_FALSE(observed(5, {{0, 1}, {2, 3}}, {}, {}).shape());
  // Overlapping groups.
  EXPECT_FALSE(observed(2, {{0, 1}, {1, 0}}, {{0}, {0}}, {}).shape());
  EXPECT_FALSE(observed(0, {}, {}, {}).shape());
}

TEST(CompareTopology, MatchIsEmpty) {
  EXPECT_EQ(compare_topology(topo("1n2l2c1t"), observed(4, {{0, 1}, {2, 3}}, {}, {{0, 1, 2, 3}})),
            "");
}

TEST(CompareTopology, MismatchShowsBothShapesAndGroups) {
  std::string msg =
      compare_topology(topo("1n2l2c1t"), observed(4, {{0, 1, 2, 3}}, {}, {{0, 1, 2, 3}}));
  EXPECT_EQ(msg,
            "declared 1n2l2c1t (4 CPUs; LLCs [0-1] [2-3]; nodes [0-3]) but the guest shows "
            "1n1l4c1t (4 CPUs; LLCs [0-3]; nodes [0-3])");
}

TEST(CompareTopology, MissingSmtIsShown) {
  std::string msg = compare_topology(
      topo("1n1l2c2t"), observed(4, {{0, 1, 2, 3}}, {{0}, {1}, {2}, {3}}, {{0, 1, 2, 3}}));
  EXPECT_NE(msg.find("declared 1n1l2c2t"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SMT [0-1] [2-3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1n1l4c1t"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SMT [0] [1] [2] [3]"), std::string::npos) << msg;
}

TEST(CompareTopology, NonUniformIsNamed) {
  std::string msg = compare_topology(topo("1n2l2c1t"), observed(3, {{0, 1}, {2}}, {}, {}));
  EXPECT_NE(msg.find("non-uniform"), std::string::npos) << msg;
  EXPECT_NE(msg.find("LLCs [0-1] [2]"), std::string::npos) << msg;
}

TEST(ObservedTopologyJson, RoundTrips) {
  auto t = observed(4, {{0, 1}, {2, 3}}, {{0, 1}, {2, 3}}, {{0, 1, 2, 3}});
  t.kernel_release = "6.12.0";
  t.sched_ext = true;
  nlohmann::json j = t;
  EXPECT_EQ(j.get<ObservedTopology>(), t);
}

TEST(ObservedTopologyJson, RejectsMalformedInput) {
  const char* bad[] = {
      R"([])",
      R"({})",
      R"({"cpus": "4"})",
      R"({"cpus": -1})",
      R"({"cpus": 4, "llc_groups": [[0, "1"]]})",
      R"({"cpus": 4, "llc_groups": [[-1]]})",
      R"({"cpus": 4, "llc_groups": [[99999999999]]})",
      R"({"cpus": 4, "llc_groups": [0, 1]})",
      R"({"cpus": 4, "llc_groups": {}})",
      R"({"cpus": 4, "smt_groups": [[1.5]]})",
      R"({"cpus": 4, "kernel_release": 6})",
      R"({"cpus": 4, "sched_ext": "yes"})",
  };
  for (const char* text : bad) {
    auto j = nlohmann::json::parse(text);
    EXPECT_THROW(j.get<ObservedTopology>(), nlohmann::json::exception) << text;
  }
}

}  // namespace
}  // namespace ktstr
