#include "guest/topology_probe.h"

#include <gtest/gtest.h>

#include "fake_sysfs.h"

namespace ktstr {
namespace {

using testing::cpu_range;
using testing::FakeCache;
using testing::TempDir;
using testing::topo;
using testing::write_fake_sysfs;
using testing::write_file;
using Groups = std::vector<std::vector<int>>;

class TopologyProbeShapes : public ::testing::TestWithParam<const char*> {};

TEST_P(TopologyProbeShapes, ProbedShapeIsTheDeclaredOne) {
  TempDir dir;
  const TopologySpec t = topo(GetParam());
  write_fake_sysfs(dir.path(), t);
  TopologyProbe probe = probe_topology(dir.path());
  ASSERT_EQ(probe.error, "");
  EXPECT_TRUE(probe.warnings.empty()) << probe.warnings.front();
  EXPECT_EQ(probe.topology.cpus, t.total_cpus());
  ASSERT_TRUE(probe.topology.shape().has_value());
  EXPECT_EQ(probe.topology.shape()->str(), GetParam());
  EXPECT_EQ(compare_topology(t, probe.topology), "");
  EXPECT_EQ(probe.topology.kernel_release, kernel_release());
}

INSTANTIATE_TEST_SUITE_P(IssueShapes, TopologyProbeShapes,
                         ::testing::Values("1n1l2c1t", "1n2l2c1t", "1n2l1c2t", "2n2l2c1t",
                                           "1n3l1c1t", "2n4l2c2t"));

TEST(TopologyProbe, GroupsForTwoNodesTwoLlcs) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("2n2l2c1t"));
  const ObservedTopology t = probe_topology(dir.path()).topology;
  EXPECT_EQ(t.llc_groups, (Groups{{0, 1}, {2, 3}}));
  EXPECT_EQ(t.smt_groups, (Groups{{0}, {1}, {2}, {3}}));
  EXPECT_EQ(t.numa_nodes, (Groups{{0, 1}, {2, 3}}));
}

TEST(TopologyProbe, SmtSiblingsAreGrouped) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n2l1c2t"));
  const ObservedTopology t = probe_topology(dir.path()).topology;
  EXPECT_EQ(t.smt_groups, (Groups{{0, 1}, {2, 3}}));
  EXPECT_EQ(t.llc_groups, (Groups{{0, 1}, {2, 3}}));
}

TEST(TopologyProbe, FallsBackToHighestCacheIndex) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n2l2c1t"), FakeCache::kIndex2Only);
  TopologyProbe probe = probe_topology(dir.path());
  EXPECT_EQ(probe.topology.llc_groups, (Groups{{0, 1}, {2, 3}}));
  EXPECT_TRUE(probe.warnings.empty());
}

TEST(TopologyProbe, NoCacheDataCountsAsOneLlcWithWarning) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n2l2c1t"), FakeCache::kNone);
  TopologyProbe probe = probe_topology(dir.path());
  EXPECT_EQ(probe.topology.llc_groups, (Groups{{0, 1, 2, 3}}));
  ASSERT_EQ(probe.warnings.size(), 1u);
  EXPECT_NE(probe.warnings[0].find("0-3"), std::string::npos);
  EXPECT_NE(compare_topology(topo("1n2l2c1t"), probe.topology), "");
}

TEST(TopologyProbe, OfflineCpusAreLeftOut) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n2l2c1t"));
  write_file(dir.path() / "devices/system/cpu/online", "0-2\n");
  const ObservedTopology t = probe_topology(dir.path()).topology;
  EXPECT_EQ(t.cpus, 3);
  EXPECT_EQ(t.llc_groups, (Groups{{0, 1}, {2}}));
  EXPECT_EQ(t.numa_nodes, (Groups{{0, 1, 2}}));
  EXPECT_FALSE(t.shape().has_value());
}

TEST(TopologyProbe, MemoryOnlyNodesAreSkipped) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n1l2c1t"));
  write_file(dir.path() / "devices/system/node/node1/cpulist", "\n");
  write_file(dir.path() / "devices/system/node/possible", "0-1\n");
  const ObservedTopology t = probe_topology(dir.path()).topology;
  EXPECT_EQ(t.numa_nodes, (Groups{{0, 1}}));
}

TEST(TopologyProbe, SchedExtPresenceFollowsTheDirectory) {
  TempDir dir;
  write_fake_sysfs(dir.path(), topo("1n1l2c1t"));
  EXPECT_FALSE(probe_topology(dir.path()).topology.sched_ext);
  write_file(dir.path() / "kernel/sched_ext/state", "disabled\n");
  EXPECT_TRUE(probe_topology(dir.path()).topology.sched_ext);
}

TEST(TopologyProbe, MissingOnlineFileIsAnError) {
  TempDir dir;
  TopologyProbe probe = probe_topology(dir.path());
  EXPECT_NE(probe.error.find("online"), std::string::npos);
}

TEST(TopologyProbe, MalformedListIsAnError) {
  TempDir dir;
  write_file(dir.path() / "devices/system/cpu/online", "0-\n");
  EXPECT_NE(probe_topology(dir.path()).error, "");
}

}  // namespace
}  // namespace ktstr
