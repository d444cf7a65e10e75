#include "guest/protocol/topology_presets.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ktstr {
namespace {

TEST(TopologyPresets, AllTwentyFourShapesAsInKtstr) {
  const std::map<std::string, std::string> expected = {
      {"tiny-1llc", "1n1l4c1t"},         {"tiny-2llc", "1n2l2c1t"},
      {"odd-3llc", "1n3l3c1t"},          {"odd-5llc", "1n5l3c1t"},
      {"odd-7llc", "1n7l2c1t"},          {"smt-2llc", "1n2l2c2t"},
      {"smt-3llc", "1n3l2c2t"},          {"medium-4llc", "1n4l4c2t"},
      {"medium-8llc", "1n8l4c2t"},       {"large-4llc", "1n4l16c2t"},
      {"large-8llc", "1n8l8c2t"},        {"near-max-llc", "1n15l8c2t"},
      {"max-cpu", "1n14l9c2t"},          {"medium-4llc-nosmt", "1n4l8c1t"},
      {"medium-8llc-nosmt", "1n8l8c1t"}, {"large-4llc-nosmt", "1n4l32c1t"},
      {"large-8llc-nosmt", "1n8l16c1t"}, {"near-max-llc-nosmt", "1n15l16c1t"},
      {"max-cpu-nosmt", "1n14l18c1t"},   {"numa2-4llc", "2n4l4c1t"},
      {"numa2-8llc", "2n8l8c2t"},        {"numa2-8llc-nosmt", "2n8l16c1t"},
      {"numa4-8llc", "4n8l4c1t"},        {"numa4-12llc", "4n12l8c2t"},
  };
  ASSERT_EQ(gauntlet_presets().size(), expected.size());
  std::set<std::string_view> names;
  for (const TopologyPreset& p : gauntlet_presets()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate name";
    ASSERT_TRUE(expected.contains(std::string(p.name)));
    EXPECT_EQ(p.topology.str(), expected.at(std::string(p.name)));
    // The description names the CPU count, so --list output cannot drift from the shape.
    EXPECT_NE(p.description.find(std::to_string(p.topology.total_cpus()) + " CPUs"),
              std::string_view::npos)
        << p.description;
    EXPECT_GE(p.memory_mib, 2048);
  }
}

TEST(TopologyPresets, FindByName) {
  const TopologyPreset* p = find_topology_preset("numa4-12llc");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->topology.total_cpus(), 192);
  EXPECT_EQ(p->memory_mib, 4096);
  EXPECT_EQ(find_topology_preset("tiny-3llc"), nullptr);
}

TEST(ParseTopologyString, Valid) {
  TopologyParse r = parse_topology_string("2n4l16c2t");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.topology.numa_nodes, 2);
  EXPECT_EQ(r.topology.llcs, 4);
  EXPECT_EQ(r.topology.cores, 16);
  EXPECT_EQ(r.topology.threads, 2);
}

TEST(ParseTopologyString, RoundTripsEveryPreset) {
  for (const TopologyPreset& p : gauntlet_presets()) {
    TopologyParse r = parse_topology_string(p.topology.str());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.topology, p.topology);
  }
}

TEST(ParseTopologyString, Errors) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"", "expected NnLlCcTt"},
      {"1n2l4c", "expected NnLlCcTt"},
      {"1n2l4c1", "missing 't' after 1"},
      {"1n2l4c1t5", "unexpected '5'"},
      {"1n2l4c1tx", "unexpected 'x'"},
      {"0n1l1c1t", "numa nodes must be at least 1"},
      {"1n1l0c1t", "cores per llc must be at least 1"},
      {"1n1l1c0t", "threads per core must be at least 1"},
      {"1n-1l1c1t", "llcs must be at least 1"},
      {"2l1n1c1t", "missing 'n'"},
      {"1N2L2C1T", "missing 'n'"},
      {"1n 2l2c1t", "expected NnLlCcTt"},
      {"99999999999n1l1c1t", "numa nodes (99999999999) must be at most 288"},
      {"1n1l4294967298c1t", "cores per llc (4294967298) must be at most 288"},
      {"1n289l1c1t", "llcs (289) must be at most 288"},
      {"1n1l1c99999999999999999999999t", "threads per core (99999999999999999999999) must be"},
  };
  for (const Case& c : cases) {
    TopologyParse r = parse_topology_string(c.text);
    EXPECT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error.find(c.message_part), std::string::npos) << c.text << ": " << r.error;
    EXPECT_NE(r.error.find(std::string("'") + c.text + "'"), std::string::npos) << r.error;
  }
}

}  // namespace
}  // namespace ktstr
