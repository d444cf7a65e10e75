// Reading a verifier sweep's sidecars back: the counts the agent recorded,
// the profile, whether the scheduler attached, and what a garbage sidecar
// (wrong types, negative or huge numbers, missing fields) turns into.
#include "runner/verifier_loads.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ktstr {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json program(const std::string& name, json insns) {
  return {{"id", 7},
          {"name", name},
          {"type", "struct_ops"},
          {"verified_insns", insns},
          {"xlated_bytes", 80},
          {"jited_bytes", 64}};
}

// A sidecar as instance_attempt.cc writes it, with data.scheduler in the record.
json sidecar(const std::string& test, json scheduler, std::string status = "PASS") {
  json s = {{"format", 1},
            {"name", "ktstr/" + test},
            {"test", test},
            {"status", status},
            {"reasons", json::array()}};
  s["record"]["result"]["data"]["scheduler"] = std::move(scheduler);
  return s;
}

json attached(json programs) {
  return {{"ops", "llc_fifo"}, {"output_tail", ""}, {"bpf", {{"programs", std::move(programs)}}}};
}

std::string problems(const VerifierLoad& l) {
  std::string all;
  for (const auto& p : l.problems) all += p + "\n";
  return all;
}

TEST(VerifierLoads, ReadsEachStructOpsProgramsCount) {
  auto l = read_verifier_load(
      sidecar("verifier.llc_fifo",
              attached({program("llc_fifo_enqueue", 412), program("llc_fifo_init", 0)})));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->scheduler, "llc_fifo");
  EXPECT_EQ(l->profile, "");
  EXPECT_EQ(l->instance, "ktstr/verifier.llc_fifo");
  EXPECT_TRUE(l->attached);
  EXPECT_TRUE(l->programs_recorded);
  EXPECT_FALSE(l->failed());
  ASSERT_EQ(l->programs.size(), 2u);
  EXPECT_EQ(l->programs[0].name, "llc_fifo_enqueue");
  EXPECT_EQ(l->programs[0].verified_insns, 412u);
  EXPECT_EQ(l->programs[1].verified_insns, 0u);
  EXPECT_THAT(l->problems, IsEmpty());
}

TEST(VerifierLoads, CountsParsedFromTheFileAreReadLikeBuiltOnes) {
  // Parsed JSON holds non-negative integers as unsigned; built JSON as signed.
  auto l = read_verifier_load(
      json::parse(sidecar("verifier.s", attached({program("p", 4294967295u)})).dump()));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->programs.at(0).verified_insns, 4294967295u);
}

TEST(VerifierLoads, TheProfileComesFromTheSidecarElseFromTheInstanceName) {
  json s = sidecar("verifier.s", attached(json::array()));
  s["name"] = "ktstr/verifier.s/llc+steal";
  EXPECT_EQ(read_verifier_load(s)->profile, "llc+steal");
  s["profile"] = "fifo";
  EXPECT_EQ(read_verifier_load(s)->profile, "fifo");
}

TEST(VerifierLoads, OtherTestsAreNotLoads) {
  EXPECT_FALSE(read_verifier_load(sidecar("two_cgroups", attached(json::array()))));
  EXPECT_FALSE(read_verifier_load(sidecar("verifier.", attached(json::array()))));
  EXPECT_FALSE(read_verifier_load(json::array()));
  EXPECT_FALSE(read_verifier_load(json{{"test", 3}}));
  const auto loads = read_verifier_loads(
      {json(), sidecar("a", json::object()), sidecar("verifier.x", json::object(), "FAIL")});
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].scheduler, "x");
  EXPECT_TRUE(loads[0].failed());
}

TEST(VerifierLoads, AFailedLoadKeepsItsOutputTailAndReason) {
  json s = sidecar("verifier.bad",
                   {{"ops", ""},
                    {"output_tail", "libbpf: prog 'x': BPF program load failed\n"},
                    {"exit_reason", "scheduler 'bad' did not attach"}},
                   "FAIL");
  s["reasons"] = {"scenario fail", 7};
  auto l = read_verifier_load(s);
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->attached);
  EXPECT_FALSE(l->programs_recorded);
  EXPECT_TRUE(l->failed());
  EXPECT_THAT(l->output_tail, HasSubstr("BPF program load failed"));
  EXPECT_EQ(l->exit_reason, "scheduler 'bad' did not attach");
  EXPECT_THAT(l->reasons, ElementsAre("scenario fail"));  // the non-string is dropped
}

TEST(VerifierLoads, TheOutcomesCopyIsReadWhenTheRecordHasNone) {
  json s = sidecar("verifier.s", nullptr);
  s["outcome"]["result"]["data"]["scheduler"] = attached({program("p", 5)});
  auto l = read_verifier_load(s);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->programs.at(0).verified_insns, 5u);
}

TEST(VerifierLoads, NoSchedulerDataIsAProblemNotACrash) {
  json s = sidecar("verifier.s", nullptr);
  s["record"] = "garbage";
  auto l = read_verifier_load(s);
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->attached);
  EXPECT_THAT(problems(*l), HasSubstr("no data.scheduler"));
}

TEST(VerifierLoads, GarbageCountsAreUnknownWithASentenceEach) {
  auto l = read_verifier_load(sidecar(
      "verifier.s", attached({program("neg", -5), program("frac", 1.5), program("str", "12"),
                              program("huge", json(std::uint64_t{1} << 40)), program("bool", true),
                              json{{"name", "missing"}}, program("ok", 9)})));
  ASSERT_TRUE(l);
  ASSERT_EQ(l->programs.size(), 7u);
  for (size_t i = 0; i < 6; ++i) EXPECT_FALSE(l->programs[i].verified_insns) << l->programs[i].name;
  EXPECT_EQ(l->programs[6].verified_insns, 9u);
  const std::string p = problems(*l);
  EXPECT_THAT(p, HasSubstr("program 'neg': verified_insns is not a count of at most 4294967295 "
                           "(got -5)"));
  EXPECT_THAT(p, HasSubstr("(got 1.5)"));
  EXPECT_THAT(p, HasSubstr("(got \"12\")"));
  EXPECT_THAT(p, HasSubstr("(got 1099511627776)"));
  EXPECT_THAT(p, HasSubstr("program 'missing': verified_insns is missing"));
}

TEST(VerifierLoads, GarbageProgramListsAndEntries) {
  auto not_array = read_verifier_load(
      sidecar("verifier.s", {{"ops", "s"}, {"bpf", {{"programs", {{"a", 1}}}}}}));
  EXPECT_FALSE(not_array->programs_recorded);
  EXPECT_THAT(problems(*not_array), HasSubstr("data.scheduler.bpf.programs is not an array"));
  auto bpf_string = read_verifier_load(sidecar("verifier.s", {{"ops", "s"}, {"bpf", "x"}}));
  EXPECT_THAT(problems(*bpf_string), HasSubstr("data.scheduler.bpf is not an object"));

  auto entries = read_verifier_load(
      sidecar("verifier.s",
              attached({3, json{{"verified_insns", 4}}, json{{"name", 5}, {"verified_insns", 6}},
                        json{{"name", "tracing"}, {"type", "tracing"}, {"verified_insns", 1}},
                        json{{"name", "weird"}, {"type", 9}, {"verified_insns", 1}}})));
  // Not an object: left out. No name: "#N". Another type: not a scheduler callback.
  ASSERT_EQ(entries->programs.size(), 2u);
  EXPECT_EQ(entries->programs[0].name, "#2");
  EXPECT_EQ(entries->programs[1].name, "#3");
  EXPECT_THAT(problems(*entries), HasSubstr("program 1 is not an object (got 3)"));
  EXPECT_THAT(problems(*entries), HasSubstr("program 2 has no name"));
}

TEST(VerifierLoads, AFloodOfProgramsIsCut) {
  json many = json::array();
  for (size_t i = 0; i < kMaxProgramsPerLoad + 10; ++i) many.push_back(program("p", 1));
  auto l = read_verifier_load(sidecar("verifier.s", attached(many)));
  EXPECT_EQ(l->programs.size(), kMaxProgramsPerLoad);
  EXPECT_THAT(problems(*l), HasSubstr("266 programs recorded; only the first 256 are shown"));
}

TEST(VerifierLoads, AHugeProblemValueIsShortAndEscaped) {
  auto l = read_verifier_load(
      sidecar("verifier.s", attached({program("p\x1b[2J", std::string(500, 'x') + "\x1b")})));
  const std::string p = problems(*l);
  EXPECT_EQ(p.find('\x1b'), std::string::npos) << p;
  EXPECT_THAT(p, HasSubstr("program 'p\\x1b[2J'"));
  EXPECT_LT(p.size(), 200u);
}

}  // namespace
}  // namespace ktstr
