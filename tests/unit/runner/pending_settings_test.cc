// Settings accepted by the schema but not honoured yet, and the host_only
// combinations that would touch the host, are spec errors: `check` and `run`
// refuse them at the key's position.
#include "runner/pending_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::HasSubstr;
using testing::SpecTestDir;

// One test with `keys`, a declarative cgroup, and whatever `extra` adds.
LoadedSpecs load_test(const SpecTestDir& dir, const std::string& keys,
                      const std::string& extra = "") {
  dir.write("t.toml", extra + "[test.a]\n" + keys + "\n[[test.a.cgroup]]\nname = \"cg_0\"\n");
  SpecOptions o;
  o.paths = {dir.path("t.toml")};
  o.check_plugins = false;
  return load_and_resolve(o);
}

std::string only_message(const LoadedSpecs& s) {
  EXPECT_EQ(s.diags.size(), 1u);
  return s.diags.empty() ? "" : s.diags.all()[0].message;
}

TEST(PendingSettings, NumSnapshotsAboveZeroIsRefusedAtItsLine) {
  SpecTestDir dir;
  auto s = load_test(dir, "description = \"x\"\nnum_snapshots = 3");
  EXPECT_EQ(only_message(s),
            "test 'a': num_snapshots = 3 is not supported yet, comes with BPF-map snapshots");
  EXPECT_EQ(s.diags.all()[0].pos.line, 3);
  EXPECT_EQ(s.diags.all()[0].rule, "not-supported");
}

TEST(PendingSettings, AutoReproTrueIsRefused) {
  SpecTestDir dir;
  EXPECT_THAT(only_message(load_test(dir, "auto_repro = true")),
              HasSubstr("auto_repro = true is not supported yet, comes with failure dumps"));
}

// Evaluation honours allow_inconclusive (eval/evaluate.cc): it is accepted.
TEST(PendingSettings, AllowInconclusiveTrueIsAccepted) {
  SpecTestDir dir;
  auto s = load_test(dir, "allow_inconclusive = true");
  EXPECT_TRUE(s.ok()) << (s.diags.empty() ? "" : s.diags.all()[0].message);
}

// Each monitor key is refused at its own line and column (the key's), naming it.
TEST(PendingSettings, EveryMonitorCheckKeyIsRefusedAtItsPosition) {
  const std::pair<const char*, const char*> keys[] = {
      {"max_imbalance_ratio", "4.0"}, {"max_local_dsq_depth", "50"},
      {"fail_on_stall", "true"},      {"sustained_samples", "5"},
      {"max_fallback_rate", "200.0"}, {"max_keep_last_rate", "1.0"}};
  for (const auto& [key, value] : keys) {
    SpecTestDir dir;
    auto s =
        load_test(dir, std::string("[test.a.checks]\nmax_gap_ms = 100\n  ") + key + " = " + value);
    EXPECT_EQ(only_message(s), std::string("test 'a': [checks] ") + key +
                                   " is not evaluated yet, comes with the host-side monitor")
        << key;
    if (s.diags.empty()) continue;
    EXPECT_EQ(s.diags.all()[0].pos.line, 4) << key;
    EXPECT_EQ(s.diags.all()[0].pos.col, 3) << key;  // the key, indented by two
  }
}

// The built-in fail_on_stall and sustained_samples are not the user's doing.
TEST(PendingSettings, MonitorBuiltInDefaultsAreNotRefused) {
  SpecTestDir dir;
  auto s = load_test(dir, "");
  ASSERT_TRUE(s.ok()) << s.diags.all()[0].message;
  ASSERT_NE(s.tests.at(0).get("checks.fail_on_stall"), nullptr);
  EXPECT_EQ(s.tests.at(0).get("checks.sustained_samples")->value, 5);
}

TEST(PendingSettings, AMonitorKeyFromTheProjectFileIsRefusedThere) {
  SpecTestDir dir;
  dir.write("ktstr.toml", "[defaults.checks]\nfail_on_stall = false\n");
  auto s = load_test(dir, "");
  EXPECT_THAT(only_message(s), HasSubstr("[checks] fail_on_stall is not evaluated yet"));
  EXPECT_THAT(s.diags.all()[0].pos.file, ::testing::EndsWith("ktstr.toml"));
  EXPECT_EQ(s.diags.all()[0].pos.line, 2);
}

TEST(PendingSettings, AMonitorKeyFromSetIsRefusedNamingTheSet) {
  SpecTestDir dir;
  dir.write("t.toml", "[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n");
  SpecOptions o;
  o.paths = {dir.path("t.toml")};
  o.check_plugins = false;
  o.sets = {"max_keep_last_rate=3"};
  EXPECT_EQ(only_message(load_and_resolve(o)),
            "test 'a': [checks] max_keep_last_rate is not evaluated yet, comes with the "
            "host-side monitor (set by --set max_keep_last_rate=3)");
}

TEST(PendingSettings, ValuesThatAskForTodaysBehaviourAreAccepted) {
  SpecTestDir dir;
  auto s = load_test(dir, "num_snapshots = 0\nauto_repro = false");
  EXPECT_TRUE(s.ok()) << (s.diags.empty() ? "" : s.diags.all()[0].message);
}

// A value inherited from [defaults] is refused where it is written.
TEST(PendingSettings, ARefusedDefaultPointsAtTheDefaultsLine) {
  SpecTestDir dir;
  auto s = load_test(dir, "", "[defaults]\nauto_repro = true\n");
  EXPECT_THAT(only_message(s), HasSubstr("auto_repro"));
  EXPECT_EQ(s.diags.all()[0].pos.line, 2);
}

// auto_repro has no built-in value: explain must not show a setting that does nothing.
TEST(PendingSettings, AutoReproHasNoBuiltInValue) {
  SpecTestDir dir;
  auto s = load_test(dir, "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.tests.at(0).get("auto_repro"), nullptr);
}

TEST(HostOnlySettings, ASchedExtSchedulerIsRefused) {
  SpecTestDir dir;
  auto s = load_test(dir, "host_only = true\nscheduler = \"simple\"",
                     "[scheduler.simple]\nbinary = \"scx_simple\"\n");
  EXPECT_THAT(only_message(s), HasSubstr("host_only = true cannot run scheduler 'simple': it "
                                         "would replace the host's own scheduler"));
}

TEST(HostOnlySettings, SysctlsKargsAndIncludesAreRefused) {
  SpecTestDir dir;
  dir.write("f.txt", "x");
  auto s = load_test(dir,
                     "host_only = true\nsysctls = { \"kernel.x\" = 1 }\nkargs = [\"quiet\"]\n"
                     "extra_include_files = [\"./f.txt\"]");
  ASSERT_EQ(s.diags.size(), 3u);
  std::string all;
  for (const auto& d : s.diags.all()) all += d.message + "\n";
  EXPECT_THAT(all, HasSubstr("cannot set sysctl 'kernel.x': it would change the host"));
  EXPECT_THAT(all, HasSubstr("cannot use kargs: no guest is booted"));
  EXPECT_THAT(all, HasSubstr("cannot use extra_include_files"));
}

TEST(PendingSettings, TemporalAssertionsAreRefusedAtTheirTable) {
  SpecTestDir dir;
  dir.write("t.toml",
            "[test.a]\n[[test.a.cgroup]]\nname = \"cg_0\"\n[[test.a.temporal]]\n"
            "series = \"maps.stats.nr_dispatched\"\nexpect = \"monotonic\"\n");
  SpecOptions o;
  o.paths = {dir.path("t.toml")};
  o.check_plugins = false;
  auto s = load_and_resolve(o);
  EXPECT_THAT(only_message(s), HasSubstr("[[temporal]] assertions are not supported yet"));
}

TEST(HostOnlySettings, TheHostsOwnSchedulerIsAccepted) {
  SpecTestDir dir;
  EXPECT_TRUE(load_test(dir, "host_only = true").ok());
}

}  // namespace
}  // namespace ktstr
