#include "guest/protocol/test_spec.h"

#include <gtest/gtest.h>

namespace ktstr {
namespace {

GuestTestSpec full_spec() {
  GuestTestSpec s;
  s.name = "ktstr/two_cgroups";
  s.duration_s = 3.5;
  s.workers_per_cgroup = 4;
  s.topology = {2, 4, 2, 2};
  s.scheduler.kind = "sched_ext";
  s.scheduler.name = "simple";
  s.scheduler.binary = "/ktstr/bin/scx_simple";
  s.scheduler.args = {"-v", "--slice-us", "5000"};
  s.scheduler.watchdog_timeout_s = 5;
  s.scheduler.config_file = "/etc/s.toml";
  s.scheduler.config = "x = 1\n";
  s.scheduler.watchdog_required = true;
  s.kernel.hz = 250;
  s.kernel.symbols = {{"_text", 0xffffffff81000000ull},
                      {"scx_watchdog_timeout", 0xffffffff820cecd8ull}};
  s.sysctls = {{"kernel.sched_autogroup_enabled", "0"}};
  s.plugin_path = "/ktstr/plugins/p.so";
  s.scenario = "pinned";
  CgroupSpec c;
  c.name = "a";
  c.workers = 3;
  c.cpuset = "llc:0";
  c.work_args = {{"ms", 5}};
  c.nice = -5;
  s.cgroups = {c, CgroupSpec{.name = "b"}};
  s.expect_err = true;
  s.settings = {{"checks", {{"max_gap_ms", 100}}}};
  return s;
}

TEST(TopologySpec, Str) { EXPECT_EQ((TopologySpec{2, 4, 3, 2}).str(), "2n4l3c2t"); }

TEST(GuestTestSpecJson, RoundTripsEveryField) {
  GuestTestSpec s = full_spec();
  nlohmann::json j = s;
  GuestTestSpec back = nlohmann::json::parse(j.dump()).get<GuestTestSpec>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.scheduler.watchdog_timeout_s, 5.0);
  EXPECT_EQ(back.topology, s.topology);
  ASSERT_EQ(back.cgroups.size(), 2u);
  EXPECT_EQ(back.cgroups[0].work_args["ms"], 5);
  EXPECT_TRUE(back.scheduler.watchdog_required);
  EXPECT_EQ(back.kernel.hz, 250u);
  EXPECT_EQ(back.kernel.symbols.at("scx_watchdog_timeout"), 0xffffffff820cecd8ull);
  EXPECT_EQ(j["kernel"]["symbols"]["_text"], "0xffffffff81000000");
}

TEST(GuestTestSpecJson, MissingKeysTakeDefaults) {
  GuestTestSpec s = nlohmann::json::parse(R"({"name": "t"})").get<GuestTestSpec>();
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.version, kGuestProtocolVersion);
  EXPECT_EQ(s.topology, TopologySpec{});
  EXPECT_EQ(s.scheduler.kind, "eevdf");
  EXPECT_FALSE(s.scheduler.watchdog_timeout_s);
  EXPECT_TRUE(s.cgroups.empty());
}

TEST(GuestTestSpecJson, NullWatchdogMeansUnset) {
  auto s =
      nlohmann::json::parse(R"({"scheduler": {"watchdog_timeout_s": null}})").get<GuestTestSpec>();
  EXPECT_FALSE(s.scheduler.watchdog_timeout_s);
}

TEST(GuestTestSpecJson, StepsRoundTripAndAreDecodedStrictly) {
  GuestTestSpec s;
  StepSpec st;
  st.at_ms = 1500;
  st.op = "set_cpuset";
  st.cgroup = "outer/inner";
  st.cpuset = "1";
  s.steps = {st};
  const GuestTestSpec back = nlohmann::json(s).get<GuestTestSpec>();
  ASSERT_EQ(back.steps.size(), 1u);
  EXPECT_EQ(back.steps[0].op, "set_cpuset");
  EXPECT_DOUBLE_EQ(back.steps[0].at_ms, 1500);
  EXPECT_EQ(back.steps[0].cgroup, "outer/inner");
  const struct {
    const char* json;
    const char* message;
  } bad[] = {
      {R"({"steps": {}})", "'steps' must be an array"},
      {R"({"steps": [{"op": "run_payload", "cgroup": "a"}]})",
       "op 'run_payload' is not one of add_cgroup"},
      {R"({"steps": [{"op": "spawn"}]})", "'cgroup' must not be empty"},
      {R"({"steps": [{"op": "spawn", "cgroup": "a", "at": 1.5}]})", "at"},
      {R"({"steps": [{"op": "spawn", "cgroup": "a", "at_ms": -5}]})", "at_ms"},
      {R"({"steps": [{"op": "spawn", "cgroup": "a", "workers": "2"}]})", "workers"},
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(b.json);
    try {
      nlohmann::json::parse(b.json).get<GuestTestSpec>();
      ADD_FAILURE() << "accepted";
    } catch (const nlohmann::json::exception& e) {
      EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.what();
    }
  }
}

TEST(GuestTestSpecJson, RejectsMalformedInput) {
  const char* bad[] = {
      R"([])",
      R"("test")",
      R"({"version": 99})",
      R"({"version": "1"})",
      R"({"name": 5})",
      R"({"duration_s": "2"})",
      R"({"duration_s": -1})",
      R"({"workers_per_cgroup": 2.5})",
      R"({"workers_per_cgroup": 9999999999})",
      R"({"topology": "1n2l2c1t"})",
      R"({"topology": {"llcs": 0}})",
      R"({"topology": {"numa_nodes": 2, "llcs": 3}})",
      R"({"topology": {"llcs": 4096, "cores": 4096}})",
      R"({"scheduler": {"kind": "cfs"}})",
      R"({"scheduler": {"args": "-v"}})",
      R"({"scheduler": {"args": [1]}})",
      R"({"scheduler": {"watchdog_timeout_s": "5"}})",
      R"({"sysctls": []})",
      R"({"sysctls": {"kernel.x": 0}})",
      R"({"cgroups": {}})",
      R"({"cgroups": [{}]})",
      R"({"cgroups": [{"name": "a", "workers": -1}]})",
      R"({"cgroups": [{"name": "a", "nice": 20}]})",
      R"({"cgroups": [{"name": "a", "work_args": []}]})",
      R"({"cgroups": [5]})",
      R"({"expect_err": 1})",
      R"({"settings": []})",
      R"({"scheduler": {"watchdog_required": "yes"}})",
      R"({"kernel": []})",
      R"({"kernel": {"hz": -1}})",
      R"({"kernel": {"hz": 250.5}})",
      R"({"kernel": {"symbols": []}})",
      R"({"kernel": {"symbols": {"_text": 18446744071578845184}}})",
      R"({"kernel": {"symbols": {"_text": "ffffffff81000000"}}})",
      R"({"kernel": {"symbols": {"_text": "0x"}}})",
      R"({"kernel": {"symbols": {"_text": "0xfffffffff81000000"}}})",
      R"({"kernel": {"symbols": {"_text": "0xzz"}}})",
  };
  for (const char* text : bad) {
    auto j = nlohmann::json::parse(text);
    EXPECT_THROW(j.get<GuestTestSpec>(), nlohmann::json::exception) << text;
  }
}

TEST(GuestTestSpecJson, ErrorsNameTheKey) {
  try {
    nlohmann::json::parse(R"({"cgroups": [{"name": "a", "nice": 20}]})").get<GuestTestSpec>();
    FAIL();
  } catch (const nlohmann::json::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'nice'"), std::string::npos) << e.what();
  }
}

TEST(GuestTestSpecJson, BadSymbolNamesTheSymbol) {
  try {
    nlohmann::json::parse(R"({"kernel": {"symbols": {"linux_banner": "0x12g"}}})")
        .get<GuestTestSpec>();
    FAIL();
  } catch (const nlohmann::json::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'linux_banner'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ktstr
