// The --budget cost model from stored results: measured boot and overhead
// per kernel and vCPU count, garbage skipped, constants when nothing is stored.
#include "store/cost_calibration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "guest/protocol/topology_presets.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;

TestInstance inst(const std::string& topo) {
  TestInstance i;
  i.name = "t";
  i.scheduler = "eevdf";
  const TopologyParse p = parse_topology_string(topo);
  i.topology = p.topology;
  i.vcpus = p.topology.total_cpus();
  return i;
}

nlohmann::json sidecar(const std::string& kernel, const std::string& topo, double boot_ms,
                       double total_ms, double duration_s) {
  return {{"kernel", kernel},
          {"topology", topo},
          {"outcome", {{"timings", {{"launch_to_booted_ms", boot_ms}, {"total_ms", total_ms}}}}},
          {"record", {{"duration_s", duration_s}}}};
}

TEST(CostModel, StoredMeasurementsReplaceTheConstantsPerKernelAndVcpus) {
  CostModel m;
  ASSERT_TRUE(add_cost_sample(m, sidecar("cloud", "1n1l2c1t", 3000, 9000, 2)));
  ASSERT_TRUE(add_cost_sample(m, sidecar("cloud", "1n1l2c1t", 5000, 11000, 2)));
  const TestInstance two = inst("1n1l2c1t");
  auto [secs, how] = m.estimate(two, "cloud");
  EXPECT_DOUBLE_EQ(secs, 4 + 2 + 4);  // mean boot 4 s + duration 2 s + mean overhead 4 s
  EXPECT_EQ(how, "measured: cloud, 2 vCPUs, 2 runs");
  // Another vCPU count of the same kernel: scaled from the nearest measurement.
  auto [four, how4] = m.estimate(inst("1n1l4c1t"), "cloud");
  EXPECT_DOUBLE_EQ(four, 4 + 2 * kBootPerVcpuS + 2 + 4);
  EXPECT_THAT(how4, HasSubstr("at 2 vCPUs, scaled to 4"));
  // Another kernel: the constants.
  EXPECT_EQ(m.estimate(two, "scx").second, "constants");
}

TEST(CostModel, GarbageSidecarsAreSkipped) {
  CostModel m;
  EXPECT_FALSE(add_cost_sample(m, nlohmann::json::array()));
  EXPECT_FALSE(add_cost_sample(m, sidecar("cloud", "bogus", 1000, 2000, 1)));
  EXPECT_FALSE(add_cost_sample(m, sidecar("cloud", "1n1l2c1t", -1, 2000, 1)));
  EXPECT_FALSE(add_cost_sample(m, sidecar("cloud", "1n1l2c1t", 3000, 2000, 1)));  // total < boot
  nlohmann::json s = sidecar("cloud", "1n1l2c1t", 1000, 2000, 1);
  s["outcome"]["timings"]["total_ms"] = "lots";
  EXPECT_FALSE(add_cost_sample(m, s));
  EXPECT_TRUE(m.measured.empty());
  EXPECT_EQ(m.runs_read, 0u);
}

TEST(CostModel, NoRunDirectoryGivesTheConstants) {
  const CostModel m = calibrate_cost_model("/nonexistent/ktstr-runs");
  EXPECT_TRUE(m.measured.empty());
}

}  // namespace
}  // namespace ktstr
