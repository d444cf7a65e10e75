// Where ktstr-run finds its agent, plugins and data, in a fake installed tree
// and a fake build tree, with and without the environment overrides.
#include "runner/install_paths.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <string>

namespace ktstr {
namespace {

namespace fs = std::filesystem;

class Tree : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ktstr-install-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const fs::path& rel) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "x";
  }
  EnvLookup env() const {
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }
  fs::path root_;
  std::map<std::string, std::string> env_;
};

TEST_F(Tree, InstalledLayoutFindsEverythingBelowThePrefix) {
  touch("bin/ktstr-run");
  touch("lib/ktstr/ktstr-agent");
  touch("lib/ktstr/plugins/libktstr_basic.so");
  const InstallPaths p = locate_install(root_ / "bin" / "ktstr-run", env());
  EXPECT_FALSE(p.build_tree);
  EXPECT_EQ(p.root, root_);
  EXPECT_EQ(p.agent, root_ / "lib/ktstr/ktstr-agent");
  ASSERT_EQ(p.plugin_dirs.size(), 1u);
  EXPECT_EQ(p.plugin_dirs[0], root_ / "lib/ktstr/plugins");
  EXPECT_EQ(p.data_dir, root_ / "share/ktstr");
  EXPECT_EQ(p.schema_dir, root_ / "share/ktstr/schema");
  EXPECT_EQ(p.kernel_config_fragment, root_ / "share/ktstr/kernel/ktstr-sched-ext.config");
}

TEST_F(Tree, BuildLayoutNeedsCMakeCache) {
  touch("runner/ktstr-run");
  touch("guest/ktstr-agent");
  fs::create_directories(root_ / "plugins");
  // Without CMakeCache.txt this is not a build tree: /usr/guest is never used.
  InstallPaths p = locate_install(root_ / "runner" / "ktstr-run", env());
  EXPECT_FALSE(p.build_tree);
  EXPECT_TRUE(p.agent.empty());
  EXPECT_TRUE(p.plugin_dirs.empty());

  touch("CMakeCache.txt");
  p = locate_install(root_ / "runner" / "ktstr-run", env());
  EXPECT_TRUE(p.build_tree);
  EXPECT_EQ(p.agent, root_ / "guest/ktstr-agent");
  ASSERT_EQ(p.plugin_dirs.size(), 1u);
  EXPECT_EQ(p.plugin_dirs[0], root_ / "plugins");
  EXPECT_EQ(p.kernel_config_fragment, root_ / "share/ktstr/kernel/ktstr-sched-ext.config");
}

TEST_F(Tree, AnAgentNextToTheBinaryWins) {
  touch("bin/ktstr-run");
  touch("bin/ktstr-agent");
  touch("lib/ktstr/ktstr-agent");
  EXPECT_EQ(locate_install(root_ / "bin" / "ktstr-run", env()).agent, root_ / "bin/ktstr-agent");
}

TEST_F(Tree, EnvironmentOverridesAndEmptyValuesDoNot) {
  touch("bin/ktstr-run");
  touch("lib/ktstr/ktstr-agent");
  env_["KTSTR_AGENT"] = "/opt/agent";
  env_["KTSTR_DATA_DIR"] = "/opt/data/";
  InstallPaths p = locate_install(root_ / "bin" / "ktstr-run", env());
  EXPECT_EQ(p.agent, "/opt/agent");
  EXPECT_EQ(p.data_dir, "/opt/data/");
  EXPECT_EQ(p.kernel_config_fragment, "/opt/data/kernel/ktstr-sched-ext.config");

  env_["KTSTR_AGENT"] = "";
  env_["KTSTR_DATA_DIR"] = "";
  p = locate_install(root_ / "bin" / "ktstr-run", env());
  EXPECT_EQ(p.agent, root_ / "lib/ktstr/ktstr-agent");
  EXPECT_EQ(p.data_dir, root_ / "share/ktstr");
}

TEST_F(Tree, NoAgentAnywhereIsEmpty) {
  touch("bin/ktstr-run");
  const InstallPaths p = locate_install(root_ / "bin" / "ktstr-run", env());
  EXPECT_TRUE(p.agent.empty());
  EXPECT_TRUE(p.plugin_dirs.empty());
}

// This test binary runs in the build tree (build/tests/): it sees that layout,
// and the data the build mirrors into build/share/ktstr.
TEST(InstallPaths, TheBuildTreeMirrorsTheInstalledData) {
  const InstallPaths p = install_paths();
  EXPECT_TRUE(p.build_tree);
  EXPECT_TRUE(fs::is_regular_file(p.kernel_config_fragment)) << p.kernel_config_fragment;
  EXPECT_TRUE(fs::is_regular_file(p.schema_dir / "ktstr-spec.schema.json")) << p.schema_dir;
  EXPECT_EQ(p.root, fs::path(KTSTR_BUILD_DIR));
}

}  // namespace
}  // namespace ktstr
