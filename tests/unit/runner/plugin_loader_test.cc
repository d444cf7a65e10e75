// Plugin search path, name resolution and inspection, including every error
// case, against .so files built by tests/plugins.
#include "runner/plugin_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ktstr/detail/abi.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "runner/plugin_file.h"
#include "runner/plugins_command.h"
#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"
#include "tests/unit/temp_dir.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = KTSTR_TEST_PLUGIN_DIR;

fs::path so(const std::string& name) { return kDir / ("lib" + name + ".so"); }

using testing::TempDir;

void touch(const fs::path& p, const std::string& text = "") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(PluginSearch, SplitsColonListsDroppingEmptyParts) {
  auto parts = split_path_list("/a::/b:");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "/a");
  EXPECT_EQ(parts[1], "/b");
  EXPECT_TRUE(split_path_list("").empty());
}

TEST(PluginSearch, OrderIsSpecProjectCliEnvThenDefaults) {
  auto dirs = plugin_search_dirs("/spec", {"/project"}, {"/cli1", "/cli2"}, "/env1:/env2:/cli1");
  ASSERT_GE(dirs.size(), 6u);
  EXPECT_EQ(dirs[0], "/spec");
  EXPECT_EQ(dirs[1], "/project");
  EXPECT_EQ(dirs[2], "/cli1");
  EXPECT_EQ(dirs[3], "/cli2");
  EXPECT_EQ(dirs[4], "/env1");
  EXPECT_EQ(dirs[5], "/env2");  // the repeated /cli1 is dropped
  // The build's own plugin dir comes last (this test runs inside the build tree).
  EXPECT_EQ(dirs.back(), fs::path(KTSTR_BUILD_DIR) / "plugins");
}

TEST(PluginResolve, BareNameTriesLibktstrThenPlainSoInEachDir) {
  TempDir t;
  touch(t.path() / "b" / "foo.so");
  touch(t.path() / "c" / "libktstr_foo.so");
  auto lookup = resolve_plugin("foo", t.path(), {t.path() / "a", t.path() / "b", t.path() / "c"});
  ASSERT_TRUE(lookup.ok()) << lookup.error;
  EXPECT_EQ(lookup.path, t.path() / "b" / "foo.so");
  ASSERT_EQ(lookup.tried.size(), 4u);
  EXPECT_EQ(lookup.tried[0], t.path() / "a" / "libktstr_foo.so");
  EXPECT_EQ(lookup.tried[1], t.path() / "a" / "foo.so");
  EXPECT_EQ(lookup.tried[2], t.path() / "b" / "libktstr_foo.so");
}

TEST(PluginResolve, ValueWithSlashOrSoSuffixIsRelativeToTheSpec) {
  TempDir t;
  touch(t.path() / "specs" / "plugins" / "mine.so");
  auto lookup = resolve_plugin("plugins/mine.so", t.path() / "specs", {});
  ASSERT_TRUE(lookup.ok()) << lookup.error;
  EXPECT_EQ(lookup.path, t.path() / "specs" / "plugins" / "mine.so");
  auto bad = resolve_plugin("../nope.so", t.path() / "specs", {t.path()});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find((t.path() / "nope.so").string()), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("relative to the spec file"), std::string::npos);
}

TEST(PluginResolve, NotFoundListsEveryDirectorySearchedAndTheFix) {
  auto lookup = resolve_plugin("nosuch", "/spec", {"/d1", "/d2"});
  EXPECT_FALSE(lookup.ok());
  EXPECT_NE(lookup.error.find("plugin 'nosuch' not found"), std::string::npos);
  EXPECT_NE(lookup.error.find("libktstr_nosuch.so"), std::string::npos);
  EXPECT_NE(lookup.error.find("\n    /d1"), std::string::npos);
  EXPECT_NE(lookup.error.find("\n    /d2"), std::string::npos);
  EXPECT_NE(lookup.error.find("--plugin-path"), std::string::npos);
  EXPECT_EQ(lookup.tried.size(), 4u);
}

TEST(PluginResolve, BasicIsFoundInTheBuildPluginDir) {
  auto lookup = resolve_plugin("basic", "/nonexistent", default_plugin_dirs());
  ASSERT_TRUE(lookup.ok()) << lookup.error;
  EXPECT_EQ(lookup.path, fs::path(KTSTR_BASIC_PLUGIN));
}

TEST(PluginInspect, BasicPluginListsAtLeastFiveDocumentedScenarios) {
  PluginInfo info = inspect_plugin(KTSTR_BASIC_PLUGIN);
  ASSERT_TRUE(info.ok()) << info.error;
  EXPECT_EQ(info.abi, kPluginAbiVersion);
  EXPECT_GE(info.scenarios.size(), 5u);
  for (const char* name : {"pinned_per_llc", "cpuset_shrink_grow", "affinity_churn",
                           "spinners_and_sleepers", "cgroup_moved_between_parents"}) {
    const ScenarioInfo* s = info.find(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_GT(s->line, 0);
    EXPECT_NE(s->file.find("plugins/basic/"), std::string::npos) << s->file;
    EXPECT_FALSE(s->description.empty()) << name;
  }
}

TEST(PluginInspect, HiddenVisibilityPluginStillExportsItsEntryPoint) {
  PluginInfo info = inspect_plugin(so("ktstr_test_hidden"));
  ASSERT_TRUE(info.ok()) << info.error;
  ASSERT_EQ(info.scenarios.size(), 2u);
  EXPECT_EQ(info.scenarios[0].name, "hidden_one");
  EXPECT_EQ(info.scenarios[0].description, "first scenario of a hidden-visibility plugin");
  EXPECT_EQ(info.scenarios[1].name, "hidden_two");
}

TEST(PluginInspect, ScenariosInAStaticLibrarySurviveTheLink) {
  PluginInfo info = inspect_plugin(so("ktstr_test_static"));
  ASSERT_TRUE(info.ok()) << info.error;
  EXPECT_NE(info.find("from_static_lib"), nullptr);
  EXPECT_NE(info.find("from_main"), nullptr);
}

TEST(PluginInspect, PluginsLoadedInOneProcessKeepSeparateRegistries) {
  PluginInfo a = inspect_plugin(so("ktstr_test_hidden"));
  PluginInfo b = inspect_plugin(KTSTR_BASIC_PLUGIN);
  PluginInfo c = inspect_plugin(so("ktstr_test_hidden"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(c.scenarios.size(), 2u);
  EXPECT_EQ(b.find("hidden_one"), nullptr);
}

TEST(PluginErrors, MissingFile) {
  PluginInfo info = inspect_plugin(kDir / "libnope.so");
  EXPECT_EQ(info.kind, "not-found");
  EXPECT_NE(info.error.find("libnope.so"), std::string::npos);
}

TEST(PluginErrors, SharedLibraryWithoutEntryPointIsNotAKtstrPlugin) {
  PluginInfo info = inspect_plugin(so("ktstr_test_not_plugin"));
  EXPECT_EQ(info.kind, "not-a-plugin");
  EXPECT_NE(info.error.find(so("ktstr_test_not_plugin").string()), std::string::npos);
  EXPECT_NE(info.error.find("not a ktstr plugin"), std::string::npos);
  EXPECT_NE(info.error.find("KTSTR_SCENARIO"), std::string::npos);
}

TEST(PluginErrors, TextFileIsNotAKtstrPlugin) {
  TempDir t;
  touch(t.path() / "fake.so", "this is not ELF\n");
  PluginInfo info = inspect_plugin(t.path() / "fake.so");
  EXPECT_EQ(info.kind, "not-a-plugin");
  EXPECT_NE(info.error.find("fake.so: is not an ELF shared object"), std::string::npos)
      << info.error;
  EXPECT_EQ(info.error.find("basic_ios"), std::string::npos) << info.error;
}

TEST(PluginErrors, EmptyFileIsEmpty) {
  TempDir t;
  touch(t.path() / "empty.so");
  PluginInfo info = inspect_plugin(t.path() / "empty.so");
  EXPECT_EQ(info.kind, "not-a-plugin");
  EXPECT_NE(info.error.find("empty.so: is empty (0 bytes"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("rebuild"), std::string::npos) << info.error;
}

TEST(PluginErrors, DirectoryIsADirectoryNotNotFound) {
  TempDir t;
  fs::create_directories(t.path() / "libktstr_d.so");
  PluginInfo info = inspect_plugin(t.path() / "libktstr_d.so");
  EXPECT_EQ(info.kind, "not-a-plugin");
  EXPECT_NE(info.error.find("libktstr_d.so: is a directory"), std::string::npos) << info.error;

  // Named by path in a spec, and found by name on the search path.
  for (const std::string value : {"libktstr_d.so", "d"}) {
    PluginLookup lookup = resolve_plugin(value, t.path(), {t.path()});
    EXPECT_FALSE(lookup.ok());
    EXPECT_NE(lookup.error.find("is a directory"), std::string::npos) << lookup.error;
    EXPECT_EQ(lookup.error.find("not found"), std::string::npos) << lookup.error;
  }
}

TEST(PluginErrors, SymlinkLoopIsASymlinkLoopNotNotFound) {
  TempDir t;
  fs::create_symlink("libktstr_loop.so", t.path() / "libktstr_loop.so");
  PluginInfo info = inspect_plugin(t.path() / "libktstr_loop.so");
  EXPECT_EQ(info.kind, "not-a-plugin");
  EXPECT_NE(info.error.find("libktstr_loop.so: is a symlink loop"), std::string::npos)
      << info.error;
  for (const std::string value : {"./libktstr_loop.so", "loop"}) {
    PluginLookup lookup = resolve_plugin(value, t.path(), {t.path()});
    EXPECT_NE(lookup.error.find("is a symlink loop"), std::string::npos) << lookup.error;
    EXPECT_EQ(lookup.error.find("not found"), std::string::npos) << lookup.error;
  }
}

TEST(PluginErrors, DanglingSymlinkNamesItsTarget) {
  TempDir t;
  fs::create_symlink("gone.so", t.path() / "dangling.so");
  PluginInfo info = inspect_plugin(t.path() / "dangling.so");
  EXPECT_EQ(info.kind, "not-found");
  EXPECT_NE(info.error.find("dangling symlink (its target gone.so"), std::string::npos)
      << info.error;
}

TEST(PluginsCommand, SaysWhatIsAtAPathThatIsNoPlugin) {
  TempDir t;
  fs::create_directories(t.path() / "dir");
  touch(t.path() / "empty.so");
  touch(t.path() / "notes.so", "just text\n");
  PluginsOptions opt;
  opt.plugins = {(t.path() / "dir").string(), (t.path() / "empty.so").string(),
                 (t.path() / "notes.so").string()};
  std::ostringstream out, err;
  EXPECT_EQ(run_plugins_command(opt, out, err), 2);
  EXPECT_NE(err.str().find("dir: is a directory"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("empty.so: is empty"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("notes.so: is not an ELF shared object"), std::string::npos)
      << err.str();
  EXPECT_EQ(err.str().find("iostream"), std::string::npos) << err.str();
}

TEST(PluginErrors, AbiMismatchShowsBothVersions) {
  PluginInfo info = inspect_plugin(so("ktstr_test_abi_mismatch"));
  EXPECT_EQ(info.kind, "abi-mismatch");
  EXPECT_EQ(info.abi, 999u);
  EXPECT_NE(info.error.find("ABI version 999"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("needs version " + std::to_string(kPluginAbiVersion)),
            std::string::npos);
  EXPECT_NE(info.error.find("rebuild"), std::string::npos);
}

TEST(PluginErrors, ZeroScenarios) {
  PluginInfo info = inspect_plugin(so("ktstr_test_zero"));
  EXPECT_EQ(info.kind, "no-scenarios");
  EXPECT_NE(info.error.find("zero scenarios"), std::string::npos);
  EXPECT_NE(info.error.find("KTSTR_SCENARIO"), std::string::npos);
}

TEST(PluginErrors, DuplicateScenarioNamesCiteBothPlaces) {
  PluginInfo info = inspect_plugin(so("ktstr_test_duplicate"));
  EXPECT_EQ(info.kind, "duplicate-scenario");
  EXPECT_NE(info.error.find("'twice'"), std::string::npos);
  EXPECT_NE(info.error.find("duplicate_a.cc:4"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("duplicate_b.cc:4"), std::string::npos) << info.error;
}

TEST(PluginErrors, MissingSharedLibraryDependencyShowsDlerrorWhenLoaded) {
  // Reading the file cannot see a missing library; the listing still works.
  PluginInfo read = inspect_plugin(so("ktstr_test_missing_dep"));
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_NE(read.find("needs_gone"), nullptr);

  PluginInfo info = inspect_plugin(so("ktstr_test_missing_dep"), PluginInspection::kLoad);
  EXPECT_EQ(info.kind, "missing-dependency");
  EXPECT_NE(info.error.find("libktstr_test_gone.so: cannot open shared object file"),
            std::string::npos)
      << info.error;
  EXPECT_NE(info.error.find("ldd"), std::string::npos);
}

TEST(PluginErrors, UnknownScenarioSuggestsTheClosestName) {
  PluginInfo info = inspect_plugin(KTSTR_BASIC_PLUGIN);
  EXPECT_EQ(check_scenario(info, "pinned_per_llc"), "");
  std::string err = check_scenario(info, "pinned_per_lcc");
  EXPECT_NE(err.find("unknown scenario 'pinned_per_lcc'"), std::string::npos);
  EXPECT_NE(err.find("did you mean 'pinned_per_llc'"), std::string::npos) << err;
  EXPECT_NE(err.find("affinity_churn"), std::string::npos);  // lists what exists
  // A broken plugin reports its own error.
  EXPECT_NE(check_scenario(inspect_plugin(so("ktstr_test_zero")), "x").find("zero scenarios"),
            std::string::npos);
}

TEST(PluginInspector, CachesByCanonicalPath) {
  PluginInspector inspector;
  const PluginInfo& a = inspector.inspect(KTSTR_BASIC_PLUGIN);
  fs::path other =
      fs::path(KTSTR_BASIC_PLUGIN).parent_path() / "." / fs::path(KTSTR_BASIC_PLUGIN).filename();
  const PluginInfo& b = inspector.inspect(other);
  EXPECT_EQ(&a, &b);
}

TEST(PluginsCommand, ListsScenariosWithFileLineAndDescription) {
  PluginsOptions opt;
  opt.plugins = {KTSTR_BASIC_PLUGIN, "hidden"};
  opt.plugin_path = {kDir.string()};
  std::ostringstream out, err;
  // "hidden" is not a name on the path (the file is libktstr_test_hidden.so).
  EXPECT_EQ(run_plugins_command(opt, out, err), 2);
  EXPECT_NE(out.str().find("pinned_per_llc"), std::string::npos);
  EXPECT_NE(out.str().find("pinned_per_llc.cc:"), std::string::npos);
  EXPECT_NE(out.str().find("One cgroup of spinners per LLC"), std::string::npos);
  EXPECT_NE(err.str().find("plugin 'hidden' not found"), std::string::npos);

  opt.plugins = {"test_hidden"};
  std::ostringstream out2, err2;
  EXPECT_EQ(run_plugins_command(opt, out2, err2), 0) << err2.str();
  EXPECT_NE(out2.str().find("hidden_two"), std::string::npos);
}

// What `ktstr-run plugins basic` shows a user: the .so relative to the cwd
// when below it (else absolute), and each scenario's file as recorded from
// the source root, never a path of the machine that built it.
TEST(PluginsCommand, ShowsPathsRelativeToTheCwdAndNoBuildMachinePath) {
  const fs::path plugin = fs::path(KTSTR_BASIC_PLUGIN);
  const auto old = fs::current_path();
  fs::current_path(plugin.parent_path().parent_path());
  PluginsOptions opt;
  opt.plugins = {plugin.string()};
  std::ostringstream out, err;
  EXPECT_EQ(run_plugins_command(opt, out, err), 0) << err.str();
  opt.json = true;
  std::ostringstream jout, jerr;
  EXPECT_EQ(run_plugins_command(opt, jout, jerr), 0) << jerr.str();
  TempDir elsewhere;
  fs::current_path(elsewhere.path());
  opt.json = false;
  std::ostringstream abs_out, abs_err;
  EXPECT_EQ(run_plugins_command(opt, abs_out, abs_err), 0) << abs_err.str();
  fs::current_path(old);

  const std::string rel = (plugin.parent_path().filename() / plugin.filename()).string();
  EXPECT_EQ(out.str().rfind(rel + " (ABI ", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("  pinned_per_llc  "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(" plugins/basic/pinned_per_llc.cc:"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find(plugin.parent_path().parent_path().parent_path().string()),
            std::string::npos)
      << out.str();
  auto j = nlohmann::json::parse(jout.str());
  EXPECT_EQ(j["plugins"][0]["path"], rel);
  for (const auto& s : j["plugins"][0]["scenarios"])
    EXPECT_EQ(s["file"].get<std::string>().rfind("plugins/basic/", 0), 0u) << s.dump();
  // From elsewhere the plugin is named in full, so the line can be copied.
  EXPECT_EQ(abs_out.str().rfind(plugin.string() + " (ABI ", 0), 0u) << abs_out.str();
}

TEST(PluginsCommand, JsonListsScenariosAndErrors) {
  PluginsOptions opt;
  opt.plugins = {so("ktstr_test_hidden").string(), so("ktstr_test_abi_mismatch").string()};
  opt.json = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_plugins_command(opt, out, err), 2);
  auto j = nlohmann::json::parse(out.str());
  ASSERT_EQ(j["plugins"].size(), 2u);
  EXPECT_EQ(j["plugins"][0]["scenarios"][0]["name"], "hidden_one");
  EXPECT_GT(j["plugins"][0]["scenarios"][0]["line"].get<int>(), 0);
  EXPECT_EQ(j["plugins"][1]["kind"], "abi-mismatch");
  EXPECT_EQ(j["plugins"][1]["abi"], 999);
}

TEST(PluginsCommand, UsesTheProjectPluginPath) {
  testing::SpecTestDir dir;
  dir.write("ktstr.toml", "[run]\nplugin_path = [\"" + kDir.string() + "\"]\n");
  dir.write("sub/x.toml", "");
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path("sub"));  // the nearest ktstr.toml is one level up
  PluginsOptions opt;
  opt.plugins = {"test_hidden"};
  std::ostringstream out, err;
  const int code = run_plugins_command(opt, out, err);
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_NE(out.str().find("hidden_two"), std::string::npos);

  dir.write("ktstr.toml", "[run\nplugin_path = 3\n");  // does not parse
  std::ostringstream out2, err2;
  EXPECT_EQ(run_plugins_command(opt, out2, err2), 2);
  EXPECT_NE(err2.str().find("ktstr.toml does not parse"), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("plugin 'test_hidden' not found"), std::string::npos) << err2.str();
  std::filesystem::current_path(old);
}

// Listing a plugin named by an untrusted spec must not run its code (issue 14).
class PluginCodeOnTheHost : public ::testing::Test {
 protected:
  void SetUp() override { setenv("KTSTR_TEST_MARKER", marker().c_str(), 1); }
  void TearDown() override { unsetenv("KTSTR_TEST_MARKER"); }
  fs::path marker() const { return t_.path() / "constructor-ran"; }
  TempDir t_;
};

TEST_F(PluginCodeOnTheHost, InspectReadsScenariosWithoutRunningTheConstructor) {
  PluginInfo info = inspect_plugin(so("ktstr_test_constructor_marker"));
  ASSERT_TRUE(info.ok()) << info.error;
  ASSERT_NE(info.find("marked_scenario"), nullptr);
  EXPECT_EQ(info.find("marked_scenario")->description, "listed without running the constructor");
  EXPECT_NE(info.find("marked_scenario")->file.find("constructor_marker.cc"), std::string::npos);
  EXPECT_EQ(info.find("marked_scenario")->line, 15);
  EXPECT_EQ(info.sdk_version, kSdkVersion);
  EXPECT_FALSE(fs::exists(marker()));

  PluginInfo loaded = inspect_plugin(so("ktstr_test_constructor_marker"), PluginInspection::kLoad);
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  EXPECT_TRUE(fs::exists(marker()));
}

TEST_F(PluginCodeOnTheHost, PluginsCommandRunsItOnlyWithLoad) {
  PluginsOptions opt;
  opt.plugins = {so("ktstr_test_constructor_marker").string()};
  std::ostringstream out, err;
  EXPECT_EQ(run_plugins_command(opt, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("marked_scenario"), std::string::npos);
  EXPECT_FALSE(fs::exists(marker()));
  opt.load = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(run_plugins_command(opt, out2, err2), 0) << err2.str();
  EXPECT_NE(out2.str().find("marked_scenario"), std::string::npos);
  EXPECT_TRUE(fs::exists(marker()));
}

TEST_F(PluginCodeOnTheHost, CheckRunsItOnlyWithLoad) {
  testing::SpecTestDir dir;
  const std::string spec =
      dir.write("t.toml", "[test.m]\nplugin = \"" + so("ktstr_test_constructor_marker").string() +
                              "\"\nscenario = \"marked_scenario\"\n");
  SpecOptions options;
  options.paths = {spec};
  LoadedSpecs specs = load_and_resolve(options);
  EXPECT_TRUE(specs.ok());
  EXPECT_FALSE(fs::exists(marker()));

  options.paths = {dir.write("u.toml", "[test.u]\nplugin = \"" +
                                           so("ktstr_test_constructor_marker").string() +
                                           "\"\nscenario = \"marked_scenari\"\n")};
  EXPECT_FALSE(load_and_resolve(options).ok());  // the records are what is checked
  EXPECT_FALSE(fs::exists(marker()));

  options.paths = {spec};
  options.load_plugins = true;
  EXPECT_TRUE(load_and_resolve(options).ok());
  EXPECT_TRUE(fs::exists(marker()));
}

TEST(ScenarioRecords, ParsesRecordsAcrossNulPadding) {
  using namespace std::string_view_literals;
  const auto two =
      "ktstr-scenario\0"
      "1\0"
      "0.1.0\0"
      "a\0"
      "f.cc\0"
      "3\0"
      "desc\0"
      "\0\0\0"
      "ktstr-scenario\0"
      "1\0"
      "0.1.0\0"
      "b\0"
      "f.cc\0"
      "9\0"
      "\0"sv;
  ScenarioRecords r = parse_scenario_records(two);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].name, "a");
  EXPECT_EQ(r.records[0].description, "desc");
  EXPECT_EQ(r.records[1].line, 9);
  EXPECT_EQ(r.records[1].description, "");
}

TEST(ScenarioRecords, TruncatedOrForeignBytesAreErrorsNotCrashes) {
  using namespace std::string_view_literals;
  EXPECT_NE(parse_scenario_records("ktstr-scenario\0"
                                   "1\0"
                                   "0.1.0\0"
                                   "a"sv)
                .error.find("offset 0 is truncated"),
            std::string::npos);
  EXPECT_NE(parse_scenario_records("\0\0garbage\0"
                                   "1\0"
                                   "2\0"
                                   "3\0"
                                   "4\0"
                                   "5\0"
                                   "6\0"sv)
                .error.find("offset 2 is malformed"),
            std::string::npos);
  EXPECT_NE(parse_scenario_records("ktstr-scenario\0"
                                   "x\0"
                                   "0.1.0\0"
                                   "a\0"
                                   "f\0"
                                   "1\0"
                                   "\0"sv)
                .error.find("malformed"),
            std::string::npos);
  EXPECT_TRUE(parse_scenario_records(""sv).ok());
}

}  // namespace
}  // namespace ktstr
