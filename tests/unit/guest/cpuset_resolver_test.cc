// Cpuset expressions against a 2-node, 4-LLC, 8-CPU topology.
#include "guest/cpuset_resolver.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

Topology topo() {
  Topology t;
  t.cpus = {0, 1, 2, 3, 4, 5, 6, 7};
  t.llcs = {{0, 1}, {2, 3}, {4, 5}, {6, 7}};
  t.numa_nodes = {{0, 1, 2, 3}, {4, 5, 6, 7}};
  t.usable_cpus = t.cpus;
  return t;
}

std::vector<int> resolve(const std::string& text) {
  std::vector<int> cpus;
  Status s = resolve_cpuset_expr(text, topo(), cpus);
  EXPECT_TRUE(s.ok()) << s.error;
  return cpus;
}

std::string error_of(const std::string& text) {
  std::vector<int> cpus;
  return resolve_cpuset_expr(text, topo(), cpus).error;
}

TEST(CpusetResolver, GroupsListsSlicesAndRanges) {
  EXPECT_EQ(resolve("llc:1"), (std::vector<int>{2, 3}));
  EXPECT_EQ(resolve("numa:1"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(resolve("0-2,6"), (std::vector<int>{0, 1, 2, 6}));
  EXPECT_EQ(resolve("disjoint:1/2"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(resolve("disjoint:2/3"), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(resolve("range:0.0-0.25"), (std::vector<int>{0, 1}));
  EXPECT_EQ(resolve("range:0.5-1"), (std::vector<int>{4, 5, 6, 7}));
}

TEST(CpusetResolver, ErrorsSayWhatIsWrong) {
  EXPECT_NE(error_of("llc:4").find("the guest has 4 LLCs (indices 0-3)"), std::string::npos);
  EXPECT_NE(error_of("numa:x").find("not a NUMA node index"), std::string::npos);
  EXPECT_NE(error_of("0-9").find("CPU 8 is not online"), std::string::npos);
  EXPECT_NE(error_of("disjoint:2/2").find("0 <= I < N"), std::string::npos);
  EXPECT_NE(error_of("disjoint:0/9").find("cannot split 8 CPUs"), std::string::npos);
  EXPECT_NE(error_of("range:0.6-0.2").find("0 <= A < B <= 1"), std::string::npos);
  EXPECT_NE(error_of("socket:0").find("unknown form 'socket:'"), std::string::npos);
  EXPECT_NE(error_of("lots").find("not a CPU list"), std::string::npos);
}

}  // namespace
}  // namespace ktstr
