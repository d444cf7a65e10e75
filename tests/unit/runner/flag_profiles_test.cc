// Flag profiles and gauntlet variants from real spec text: which instances a
// user gets (`ktstr-run list`), their names, args, topologies and timeouts,
// and the errors for flags that cannot combine.
#include "runner/flag_profiles.h"

#include "runner/guest_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/plan.h"
#include "runner/spec_pipeline.h"
#include "spec_test_dir.h"

namespace ktstr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::SpecTestDir;

// SPEC.md's example scheduler: steal requires llc, fifo excludes steal.
const char* kSimple =
    "[scheduler.simple]\nbinary = \"/bin/true\"\n"
    "[scheduler.simple.flags.llc]\nargs = [\"--enable-llc\"]\n"
    "[scheduler.simple.flags.steal]\nargs = [\"--enable-stealing\"]\nrequires = [\"llc\"]\n"
    "[scheduler.simple.flags.fifo]\nargs = [\"-f\"]\nexcludes = [\"steal\"]\n";

LoadedSpecs load(const SpecTestDir& dir, const std::string& text) {
  dir.write("t.toml", text);
  SpecOptions o;
  o.paths = {dir.path("t.toml")};
  o.check_plugins = false;
  return load_and_resolve(o);
}

std::string test_table(const std::string& name, const std::string& keys) {
  return "[test." + name + "]\n" + keys + "\n[[test." + name + ".cgroup]]\nname = \"cg_0\"\n";
}

std::vector<std::string> names(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& i : plan.instances) out.push_back(i.name);
  return out;
}

std::string messages(const LoadedSpecs& s) {
  std::string all;
  for (const auto& d : s.diags.all()) all += d.message + "\n";
  return all;
}

TEST(FlagProfiles, ThePowerSetMinusRequiresAndExcludesInDeclarationOrder) {
  SpecTestDir dir;
  auto s = load(dir, std::string(kSimple) + test_table("t", "scheduler = \"simple\""));
  ASSERT_TRUE(s.ok()) << messages(s);
  const Plan plan = make_plan(s.tests, {}, {});
  // steal alone breaks its requires; steal+fifo and llc+steal+fifo break excludes.
  EXPECT_THAT(names(plan), ElementsAre("ktstr/t", "ktstr/t/llc", "ktstr/t/fifo",
                                       "ktstr/t/llc+steal", "ktstr/t/llc+fifo"));
  EXPECT_EQ(plan.instances[3].dir, "t@llc+steal");
  EXPECT_THAT(plan.instances[3].flag_args, ElementsAre("--enable-llc", "--enable-stealing"));
  EXPECT_THAT(plan.instances[3].flags, ElementsAre("llc", "steal"));
}

TEST(FlagProfiles, DeclarationOrderNotAlphabeticalNamesAProfile) {
  SpecTestDir dir;
  auto s = load(dir,
                "[scheduler.s]\nbinary = \"/bin/true\"\n[scheduler.s.flags.zeta]\n"
                "[scheduler.s.flags.alpha]\n" +
                    test_table("t", "scheduler = \"s\"\nrequired_flags = [\"zeta\", \"alpha\"]"));
  ASSERT_TRUE(s.ok()) << messages(s);
  EXPECT_THAT(names(make_plan(s.tests, {}, {})), ElementsAre("ktstr/t/zeta+alpha"));
}

TEST(FlagProfiles, RequiredAndExcludedFlagsConstrainTheProfiles) {
  SpecTestDir dir;
  auto s = load(dir, std::string(kSimple) +
                         test_table("req", "scheduler = \"simple\"\nrequired_flags = [\"llc\"]") +
                         test_table("exc", "scheduler = \"simple\"\nexcluded_flags = [\"llc\"]"));
  ASSERT_TRUE(s.ok()) << messages(s);
  EXPECT_THAT(names(make_plan(s.tests, {}, {})),
              ElementsAre("ktstr/exc", "ktstr/exc/fifo", "ktstr/req/llc", "ktstr/req/llc+steal",
                          "ktstr/req/llc+fifo"));
}

TEST(FlagProfiles, ATestWithoutFlagsKeepsItsNameAndTheProfileFilterSelects) {
  SpecTestDir dir;
  auto s = load(dir, std::string(kSimple) + test_table("plain", "") +
                         test_table("t", "scheduler = \"simple\""));
  ASSERT_TRUE(s.ok()) << messages(s);
  PlanOptions o;
  std::string error;
  o.exprs.push_back(*FilterExpr::parse("profile(/steal/)", &error));
  EXPECT_THAT(names(make_plan(s.tests, {}, o)), ElementsAre("ktstr/t/llc+steal"));
  o.exprs = {*FilterExpr::parse("profile(=)", &error)};
  EXPECT_THAT(names(make_plan(s.tests, {}, o)), ElementsAre("ktstr/plain", "ktstr/t"));
}

TEST(FlagProfiles, NoProfileSatisfyingTheTestIsAnErrorNamingBothLists) {
  SpecTestDir dir;
  auto s = load(
      dir, std::string(kSimple) + test_table("t",
                                             "scheduler = \"simple\"\nrequired_flags = [\"steal\", "
                                             "\"fifo\"]"));
  EXPECT_THAT(messages(s), HasSubstr("no flag profile of scheduler 'simple' satisfies "
                                     "required_flags [steal, fifo] and excluded_flags []"));
}

TEST(FlagProfiles, ExcludesOfAnUnknownFlagOrItselfAreErrorsWithDidYouMean) {
  SpecTestDir dir;
  auto s = load(dir,
                "[scheduler.s]\nbinary = \"/bin/true\"\n[scheduler.s.flags.llc]\n"
                "[scheduler.s.flags.fifo]\nexcludes = [\"lcc\", \"fifo\"]\n" +
                    test_table("t", "scheduler = \"s\""));
  const std::string all = messages(s);
  EXPECT_THAT(all, HasSubstr("flag 'fifo' excludes 'lcc', which scheduler 's' does not declare "
                             "(did you mean 'llc'?)"));
  EXPECT_THAT(all, HasSubstr("flag 'fifo' excludes itself"));
  EXPECT_EQ(s.diags.all()[0].pos.line, 5);
}

TEST(FlagProfiles, AFlagThatCanNeverBeEnabledIsAnError) {
  SpecTestDir dir;
  auto s = load(dir,
                "[scheduler.s]\nbinary = \"/bin/true\"\n[scheduler.s.flags.a]\n"
                "excludes = [\"b\"]\n[scheduler.s.flags.b]\nrequires = [\"a\"]\n" +
                    test_table("t", "scheduler = \"s\""));
  EXPECT_THAT(messages(s), HasSubstr("flag 'b' of scheduler 's' can never be enabled"));
}

TEST(FlagProfiles, MoreThanTwelveFlagsAreRefused) {
  SpecTestDir dir;
  std::string text = "[scheduler.s]\nbinary = \"/bin/true\"\n";
  for (int i = 0; i < 13; ++i) text += "[scheduler.s.flags.f" + std::to_string(i) + "]\n";
  auto s = load(dir, text + test_table("t", "scheduler = \"s\""));
  EXPECT_THAT(messages(s), HasSubstr("scheduler 's' declares 13 flags; at most 12"));
}

TEST(FlagProfiles, UnitTwelveFlagsGiveFourThousandProfilesInOrder) {
  std::vector<FlagDecl> flags;
  for (int i = 0; i < 12; ++i) flags.push_back({.name = "f" + std::to_string(i)});
  const auto all = flag_profiles(flags, {}, {});
  ASSERT_EQ(all.size(), 4096u);
  EXPECT_EQ(all.front().name(), "");
  EXPECT_EQ(all[1].name(), "f0");
  EXPECT_EQ(all.back().name(), "f0+f1+f2+f3+f4+f5+f6+f7+f8+f9+f10+f11");
}

// --- gauntlet

PlanOptions gauntlet_on(const LoadedSpecs& s, int host_cpus, bool kvm) {
  PlanOptions o;
  o.gauntlet = true;
  o.presets = gauntlet_preset_list(s.catalog);
  o.host = {.cpus = host_cpus, .kvm = kvm};
  return o;
}

std::vector<std::string> presets_of(const Plan& plan, const std::string& test) {
  std::vector<std::string> out;
  for (const auto& i : plan.instances)
    if (i.test->name == test && !i.preset.empty() && i.profile.empty()) out.push_back(i.preset);
  return out;
}

TEST(Gauntlet, OnTwoTcgCoresEveryPresetUpToSixteenVcpusRuns) {
  SpecTestDir dir;
  auto s = load(dir, test_table("t", ""));
  ASSERT_TRUE(s.ok()) << messages(s);
  const Plan plan = make_plan(s.tests, {}, gauntlet_on(s, 2, false));
  EXPECT_THAT(presets_of(plan, "t"), ElementsAre("tiny-1llc", "tiny-2llc", "odd-3llc", "odd-5llc",
                                                 "odd-7llc", "smt-2llc", "smt-3llc", "numa2-4llc"));
  EXPECT_EQ(plan.instances[0].name, "ktstr/t");
  EXPECT_EQ(plan.instances[1].name, "gauntlet/t/tiny-1llc");
  EXPECT_EQ(plan.instances[1].dir, "gauntlet/t@tiny-1llc");
  EXPECT_EQ(plan.instances[1].topology.str(), "1n1l4c1t");
  // The factor is recorded; a 16-vCPU preset's derived timeout scales 8x.
  const TestInstance& numa = plan.instances.back();
  EXPECT_EQ(numa.preset, "numa2-4llc");
  EXPECT_EQ(numa.oversubscription, kTcgOversubscription);
  EXPECT_DOUBLE_EQ(numa.vcpus_per_host_cpu, 8.0);
  EXPECT_DOUBLE_EQ(numa.timeout_s, (90 + 2 * 2 + 4 * 16) * 8);
  EXPECT_THAT(numa.timeout_origin, HasSubstr("x 8 vCPUs per host CPU (TCG)"));
}

TEST(Gauntlet, UnderKvmAPresetNeverOversubscribes) {
  SpecTestDir dir;
  auto s = load(dir, test_table("t", ""));
  const Plan plan = make_plan(s.tests, {}, gauntlet_on(s, 8, true));
  EXPECT_THAT(presets_of(plan, "t"), ElementsAre("tiny-1llc", "tiny-2llc", "smt-2llc"));
  for (const auto& i : plan.instances) EXPECT_EQ(i.oversubscription, 0);
  bool said = false;
  for (const auto& m : plan.gauntlet_missed)
    if (m.name == "gauntlet/t/odd-3llc") {
      said = true;
      EXPECT_TRUE(m.capacity);
      EXPECT_THAT(m.reason, HasSubstr("9 vCPUs > 8 (8 host CPUs, KVM"));
    }
  EXPECT_TRUE(said);
}

TEST(Gauntlet, ConstraintsPresetsAndCpusetsChooseThePresets) {
  SpecTestDir dir;
  auto s = load(dir, test_table("smt", "[test.smt.gauntlet]\nrequires_smt = true") +
                         test_table("llc", "[test.llc.gauntlet]\nmin_llcs = 3\nmax_cpus = 12") +
                         test_table("only",
                                    "[test.only.gauntlet]\npresets = [\"tiny-2llc\", "
                                    "\"wide\"]") +
                         "[preset.wide]\ntopology = \"1n1l6c1t\"\n" +
                         "[test.pin]\ntopology = \"1n2l1c1t\"\n[[test.pin.cgroup]]\nname = "
                         "\"cg_0\"\ncpuset = \"llc:1\"\n");
  ASSERT_TRUE(s.ok()) << messages(s);
  const Plan plan = make_plan(s.tests, {}, gauntlet_on(s, 2, false));
  EXPECT_THAT(presets_of(plan, "smt"), ElementsAre("smt-2llc", "smt-3llc"));
  EXPECT_THAT(presets_of(plan, "llc"), ElementsAre("odd-3llc", "smt-3llc"));
  EXPECT_THAT(presets_of(plan, "only"), ElementsAre("tiny-2llc", "wide"));
  // llc:1 needs two LLCs: tiny-1llc is left out, with the reason.
  EXPECT_THAT(presets_of(plan, "pin"), ElementsAre("tiny-2llc", "odd-3llc", "odd-5llc", "odd-7llc",
                                                   "smt-2llc", "smt-3llc", "numa2-4llc"));
  bool said = false;
  for (const auto& m : plan.gauntlet_missed)
    if (m.name == "gauntlet/pin/tiny-1llc")
      said = m.reason == "a cgroup cpuset names llc:1 and it has 1 LLC";
  EXPECT_TRUE(said);
}

TEST(Gauntlet, VariantsAreOptInAndFilterable) {
  SpecTestDir dir;
  auto s = load(dir, std::string(kSimple) + test_table("t",
                                                       "scheduler = \"simple\"\n"
                                                       "required_flags = [\"llc\"]\n"
                                                       "excluded_flags = [\"fifo\"]\n"
                                                       "[test.t.gauntlet]\npresets = "
                                                       "[\"smt-2llc\"]"));
  ASSERT_TRUE(s.ok()) << messages(s);
  PlanOptions off = gauntlet_on(s, 2, false);
  off.gauntlet = false;
  EXPECT_THAT(names(make_plan(s.tests, {}, off)), ElementsAre("ktstr/t/llc", "ktstr/t/llc+steal"));
  off.run_ignored = true;  // --run-ignored adds them too
  EXPECT_THAT(names(make_plan(s.tests, {}, off)),
              ElementsAre("ktstr/t/llc", "ktstr/t/llc+steal", "gauntlet/t/smt-2llc/llc",
                          "gauntlet/t/smt-2llc/llc+steal"));
  PlanOptions on = gauntlet_on(s, 2, false);
  std::string error;
  on.exprs.push_back(*FilterExpr::parse("preset(smt-2llc) & profile(=llc)", &error));
  const Plan plan = make_plan(s.tests, {}, on);
  EXPECT_THAT(names(plan), ElementsAre("gauntlet/t/smt-2llc/llc"));
  EXPECT_EQ(plan.instances[0].dir, "gauntlet/t@smt-2llc@llc");
  EXPECT_THAT(plan.instances[0].flag_args, ElementsAre("--enable-llc"));
}

TEST(Gauntlet, AUserPresetUsesItsMemoryAndAnUnbuildableOneIsLeftOutWithTheReason) {
  SpecTestDir dir;
  auto s = load(dir, test_table("t",
                                "memory_mib = 512\n[test.t.gauntlet]\npresets = [\"big\", "
                                "\"bad\"]") +
                         "[preset.big]\ntopology = \"1n1l2c1t\"\nmemory_mib = 3000\n"
                         "[preset.bad]\ntopology = \"1n1l3c1t\"\n");
  ASSERT_TRUE(s.ok()) << messages(s);
  PlanOptions o = gauntlet_on(s, 2, false);
  o.unbuildable = [](const TopologySpec& t) {
    return t.cores == 3 ? std::string("3 cores are not buildable here") : std::string();
  };
  const Plan plan = make_plan(s.tests, {}, o);
  EXPECT_THAT(presets_of(plan, "t"), ElementsAre("big"));
  EXPECT_EQ(plan.instances[1].requested_memory_mib, 3000);
  EXPECT_EQ(plan.instances[0].requested_memory_mib, 512);
  ASSERT_FALSE(plan.gauntlet_missed.empty());
  EXPECT_EQ(plan.gauntlet_missed.back().reason, "3 cores are not buildable here");
}

TEST(Gauntlet, AHostOnlyTestHasNoGauntletVariants) {
  SpecTestDir dir;
  auto s = load(dir, test_table("h", "host_only = true"));
  ASSERT_TRUE(s.ok()) << messages(s);
  EXPECT_THAT(names(make_plan(s.tests, {}, gauntlet_on(s, 2, false))), ElementsAre("ktstr/h"));
}

TEST(Gauntlet, AnExplicitTimeoutIsKept) {
  SpecTestDir dir;
  auto s = load(dir, test_table("t",
                                "timeout_s = 50\n[test.t.gauntlet]\npresets = "
                                "[\"numa2-4llc\"]"));
  ASSERT_TRUE(s.ok()) << messages(s);
  const Plan plan = make_plan(s.tests, {}, gauntlet_on(s, 2, false));
  ASSERT_EQ(plan.instances.size(), 2u);
  EXPECT_DOUBLE_EQ(plan.instances[1].timeout_s, 50);
  EXPECT_THAT(plan.instances[1].timeout_origin, HasSubstr("t.toml:2))"));
}

}  // namespace
}  // namespace ktstr

// --- the prepare pass: what the guest gets
namespace ktstr {
namespace {

TEST(FlagProfilesPrepare, TheProfilesArgsGoBetweenTheSchedulersArgsAndExtraSchedArgs) {
  SpecTestDir dir;
  auto s = load(dir,
                "[scheduler.simple]\nbinary = \"/bin/true\"\nargs = [\"-v\"]\n"
                "[scheduler.simple.flags.llc]\nargs = [\"--enable-llc\"]\n"
                "[scheduler.simple.flags.steal]\nargs = [\"--steal\", \"2\"]\n" +
                    test_table("t",
                               "scheduler = \"simple\"\nextra_sched_args = [\"-x\"]\n"
                               "[test.t.gauntlet]\npresets = [\"smt-2llc\"]"));
  ASSERT_TRUE(s.ok()) << messages(s);
  const Plan plan = make_plan(s.tests, {}, gauntlet_on(s, 2, false));
  const TestInstance* both = nullptr;
  for (const auto& i : plan.instances)
    if (i.name == "gauntlet/t/smt-2llc/llc+steal") both = &i;
  ASSERT_NE(both, nullptr);
  KernelInfo kernel;
  kernel.image = "/boot/vmlinuz";
  kernel.sched_ext = true;
  const PreparedRequest p =
      prepare_request(*both, kernel, {}, {.catalog = &s.catalog}, dir.path("run"));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_THAT(p.spec.scheduler.args, ElementsAre("-v", "--enable-llc", "--steal", "2", "-x"));
  EXPECT_EQ(p.spec.topology.str(), "1n2l2c2t");
  EXPECT_EQ(p.request.topology.str(), "1n2l2c2t");
  EXPECT_EQ(p.request.memory_mib, 2048);
  EXPECT_EQ(p.request.timeouts.hard.count(), static_cast<long long>(both->timeout_s * 1000));
  EXPECT_EQ(p.request.timeouts.boot.count(), 60000 * 4);  // 8 vCPUs on 2 host CPUs
}

}  // namespace
}  // namespace ktstr
