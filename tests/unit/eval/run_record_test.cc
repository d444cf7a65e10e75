// The run record's JSON form: a round trip keeps everything a verdict reads,
// a record of another format is refused with the sentence reeval prints, and
// a malformed record is refused naming the field.
#include "eval/run_record.h"

#include <gtest/gtest.h>

#include "eval/evaluate.h"

namespace ktstr {
namespace {

RunRecord sample() {
  RunRecord r;
  r.name = "ktstr/two_cgroups";
  r.kernel = "6.12.117-cloud";
  r.accel = "tcg";
  r.duration_s = 2.5;
  r.declared = TopologySpec{1, 2, 2, 1};
  r.check_topology = true;
  r.exit_reason = "done";
  r.exit_detail = "the agent sent 'done'";
  r.findings = {{"sched_ext: BPF scheduler \"simple\" disabled", "SCHED", false}};
  r.console_tail = "\x1b[2Jlast line\n";
  r.booted = {{"type", "booted"}};
  r.result = {{"type", "result"}, {"verdict", "fail"}, {"details", {"worker 3 starved"}}};
  r.teardown_ms = 12.5;
  r.expect_err = true;
  r.expect_scx_bpf_error_contains = "stall";
  r.expect_scx_bpf_error_matches = "runnable task stall .*";
  return r;
}

TEST(RunRecord, RoundTripKeepsEveryField) {
  const RunRecord r = sample();
  const nlohmann::json j = r;
  RunRecord back;
  ASSERT_EQ(read_run_record(nlohmann::json::parse(j.dump()), back), "");
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.declared, r.declared);
  EXPECT_EQ(back.teardown_ms, 12.5);
  EXPECT_EQ(back.findings[0].line, r.findings[0].line);
  EXPECT_FALSE(back.findings[0].fatal);
  // The same verdict from the stored record as from the original.
  EXPECT_EQ(evaluate(back, Checks{}).reasons, evaluate(r, Checks{}).reasons);
}

TEST(RunRecord, AnUnmeasuredTeardownStaysUnmeasured) {
  RunRecord r = sample();
  r.teardown_ms.reset();
  RunRecord back;
  ASSERT_EQ(read_run_record(nlohmann::json(r), back), "");
  EXPECT_FALSE(back.teardown_ms.has_value());
}

TEST(RunRecord, AnotherFormatIsRefusedWithWhatToDo) {
  nlohmann::json j = sample();
  j["version"] = 0;
  RunRecord back;
  EXPECT_EQ(read_run_record(j, back),
            "this record is format 0; this ktstr-run reads format 1: re-run the test");
  j.erase("version");
  EXPECT_EQ(read_run_record(j, back),
            "this record has no format version; this ktstr-run reads format 1: re-run the test");
  EXPECT_THROW(from_json(j, back), nlohmann::json::out_of_range);
}

TEST(RunRecord, AMalformedRecordIsRefusedNamingTheField) {
  RunRecord back;
  nlohmann::json j = sample();
  j["duration_s"] = "long";
  EXPECT_EQ(read_run_record(j, back), "'duration_s' must be a number, not string");
  j = sample();
  j.erase("exit_reason");
  EXPECT_EQ(read_run_record(j, back), "run record: 'exit_reason' is missing");
  j = sample();
  j["extra"] = 1;
  EXPECT_EQ(read_run_record(j, back), "run record: unknown key 'extra'");
  j = sample();
  j["findings"] = {{{"line", 3}, {"detail", ""}, {"fatal", true}}};
  EXPECT_EQ(read_run_record(j, back), "run record: 'line' must be a string, not number");
  EXPECT_EQ(read_run_record(nlohmann::json::array(), back),
            "run record must be an object, not array");
}

}  // namespace
}  // namespace ktstr
