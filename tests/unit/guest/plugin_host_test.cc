// Loading plugins in the agent and calling scenarios with a Ctx.
#include "guest/plugin_host.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "guest/guest_ctx.h"

namespace ktstr {
namespace {

const std::string kDir = KTSTR_TEST_PLUGIN_DIR;

TEST(PluginHost, LoadsAndFindsScenarios) {
  std::string error;
  auto p = LoadedPlugin::load(kDir + "/libktstr_test_scenarios.so", error);
  ASSERT_TRUE(p) << error;
  EXPECT_NE(p->find("passes"), nullptr);
  EXPECT_EQ(p->find("nope"), nullptr);
  auto names = p->names();
  EXPECT_NE(std::find(names.begin(), names.end(), "segfaults"), names.end());
}

TEST(PluginHost, RefusesNonPluginsAndOtherAbis) {
  std::string error;
  EXPECT_FALSE(LoadedPlugin::load(kDir + "/libktstr_test_not_plugin.so", error));
  EXPECT_NE(error.find("not a ktstr plugin"), std::string::npos) << error;
  EXPECT_FALSE(LoadedPlugin::load(kDir + "/libktstr_test_abi_mismatch.so", error));
  EXPECT_NE(error.find("ABI version 999"), std::string::npos) << error;
  EXPECT_FALSE(LoadedPlugin::load(kDir + "/libktstr_test_duplicate.so", error));
  EXPECT_NE(error.find("duplicate scenario name 'twice'"), std::string::npos) << error;
  EXPECT_FALSE(LoadedPlugin::load(kDir + "/libktstr_test_missing_dep.so", error));
  EXPECT_NE(error.find("libktstr_test_gone.so"), std::string::npos) << error;
}

TEST(PluginHost, CallsScenariosWithACtxAndTurnsExceptionsIntoFails) {
  std::string error;
  auto p = LoadedPlugin::load(kDir + "/libktstr_test_scenarios.so", error);
  ASSERT_TRUE(p) << error;
  std::string tmpl = (std::filesystem::temp_directory_path() / "ktstr-ph-XXXXXX").string();
  std::filesystem::path dir = mkdtemp(tmpl.data());
  GuestTestSpec spec;
  spec.name = "ktstr/unit";
  ObservedTopology topo;
  topo.cpus = 1;
  topo.llc_groups = {{0}};
  std::vector<std::string> logs;
  {
    GuestCtx ctx(spec, topo, dir.string(), [&](const std::string& level, const std::string& text) {
      logs.push_back(level + ": " + text);
    });
    ASSERT_TRUE(ctx.init().ok());
    AssertResult thrown = call_scenario(*p->find("throws"), ctx);
    EXPECT_FALSE(thrown.passed);
    ASSERT_EQ(thrown.details.size(), 1u);
    EXPECT_NE(thrown.details[0].find("scenario 'throws' ("), std::string::npos);
    EXPECT_NE(thrown.details[0].find("scenarios.cc:"), std::string::npos);
    EXPECT_NE(thrown.details[0].find("threw std::runtime_error: boom from the plugin"),
              std::string::npos)
        << thrown.details[0];

    AssertResult failed = call_scenario(*p->find("fails_with_details"), ctx);
    EXPECT_FALSE(failed.passed);
    EXPECT_EQ(failed.details, (std::vector<std::string>{"first detail", "second detail"}));
    EXPECT_EQ(ctx.details(), std::vector<std::string>{"context line from add_detail"});
    EXPECT_EQ(ctx.data()["metrics"]["answer"], 42.0);
    EXPECT_EQ(logs, std::vector<std::string>{"info: about to fail"});
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ktstr
