#include "report/json_reporter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "guest/protocol/valid_utf8.h"
#include "tests/report/sample_run.h"

namespace ktstr {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The schema's errors for `doc` ("" when it is valid), valijson as the spec loader uses it.
std::string schema_errors(const json& doc) {
  static const json schema_doc = [] {
    std::ifstream in(fs::path(KTSTR_SOURCE_DIR) / "schema/ktstr-summary.schema.json");
    return json::parse(in);
  }();
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(schema, target, &results)) return "";
  std::string out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    for (const std::string& c : e.context) out += c;
    out += ": " + e.description + "\n";
  }
  return out;
}

TEST(SummaryJson, TheSampleRunMatchesTheSchema) {
  SampleRun run;
  EXPECT_EQ(schema_errors(summary_json(run.info, run.summary)), "");
  EXPECT_EQ(schema_errors(summary_json(run.info, {}, false)), "");
}

TEST(SummaryJson, TheSchemaRejectsABrokenSummary) {
  SampleRun run;
  const json good = summary_json(run.info, run.summary);
  json newer = good;
  newer["format"] = 2;
  EXPECT_NE(schema_errors(newer), "");
  json bad_status = good;
  bad_status["tests"][0]["status"] = "MOSTLY";
  EXPECT_NE(schema_errors(bad_status).find("status"), std::string::npos);
  json missing = good;
  missing["tests"][2].erase("attempts");
  EXPECT_NE(schema_errors(missing), "");
  json extra = good;
  extra["counts"]["maybe"] = 1;
  EXPECT_NE(schema_errors(extra), "");
}

TEST(SummaryJson, EachTestSaysItsKernelAttemptsReplicaDirAndProperties) {
  SampleRun run;
  const json doc = summary_json(run.info, run.summary);
  EXPECT_EQ(doc["format"], kSummaryFormat);
  EXPECT_EQ(doc["complete"], true);
  EXPECT_EQ(doc["interrupted"], true);
  EXPECT_EQ(doc["exit_code"], 130);
  EXPECT_EQ(doc["counts"], json({{"pass", 1},
                                 {"fail", 2},
                                 {"flaky", 1},
                                 {"skip", 1},
                                 {"inconclusive", 1},
                                 {"not_run", 1},
                                 {"total", 7}}));
  EXPECT_EQ(
      doc["kernels"][1],
      json({{"label", "6.12.117-scx"}, {"dimension", "kernel_6_12_117_scx"}, {"sched_ext", true}}));
  const json& flaky = doc["tests"][2];
  EXPECT_EQ(flaky["name"], "ktstr/flaky/kernel_6_12_117_scx");
  EXPECT_EQ(flaky["status"], "FLAKY");
  EXPECT_EQ(flaky["kernel"], "6.12.117-scx");
  EXPECT_DOUBLE_EQ(flaky["seconds"].get<double>(), 5.0);
  EXPECT_EQ(flaky["attempts"], json::parse(R"([
    {"verdict": "FAIL", "seconds": 3.0, "reasons": ["max_gap_ms: 812.0 ms > 500"]},
    {"verdict": "PASS", "seconds": 2.0, "reasons": []}])"));
  EXPECT_EQ(flaky["dir"], "flaky-kernel_6_12_117_scx");
  EXPECT_EQ(flaky["properties"]["topology"], "1n1l2c1t");
  const json& replica = doc["tests"][5];
  EXPECT_EQ(replica["status"], "NOT-RUN");
  EXPECT_EQ(replica["display_name"],
            "ktstr/replicated/kernel_6_12_117_scx (replica 2/2) (run 1/3)");
  EXPECT_EQ(replica["replica"], 2);
  EXPECT_EQ(replica["replicas"], 2);
  EXPECT_EQ(replica["repetition"], 1);
  EXPECT_EQ(replica["repetitions"], 3);
  EXPECT_EQ(replica["attempts"], json::array());
  EXPECT_EQ(replica["dir"], "");
  EXPECT_EQ(replica["reasons"], json({"interrupted"}));
}

TEST(SummaryJson, GuestBytesBecomeValidUtf8AndRoundTrip) {
  SampleRun run;
  const std::string text = summary_json(run.info, run.summary).dump();  // throws on bad UTF-8
  const json back = json::parse(text);
  const std::string reason = back["tests"][1]["reasons"][0];
  EXPECT_TRUE(is_valid_utf8(reason));
  EXPECT_NE(reason.find("\xEF\xBF\xBD bad\r\n"), std::string::npos);  // U+FFFD, then as written
  EXPECT_NE(reason.find("]]> <&> \"q\""), std::string::npos);
}

TEST(SummaryJson, AKernelUnknownToTheRunIsNull) {
  SampleRun run;
  run.info.kernels.clear();
  EXPECT_TRUE(summary_json(run.info, run.summary)["tests"][0]["kernel"].is_null());
  EXPECT_EQ(schema_errors(summary_json(run.info, run.summary)), "");
}

class JsonReporterFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ktstr_json_reporter_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(JsonReporterFile, WritesTheSummaryWithThePlansKernelsAndNoTemporary) {
  SampleRun run;
  run.info.kernels.clear();  // the reporter takes them from the plan
  JsonReporter reporter(dir_ / "summary.json");
  reporter.run_started(run.info, run.plan);
  reporter.run_finished(run.summary);
  EXPECT_EQ(reporter.error(), "");
  std::ifstream in(dir_ / "summary.json");
  const json doc = json::parse(in);
  EXPECT_EQ(doc["tests"][2]["kernel"], "6.12.117-scx");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(JsonReporterFile, AnUnwritablePathIsAnErrorThatNamesIt) {
  SampleRun run;
  const fs::path path = dir_ / "missing" / "summary.json";
  JsonReporter reporter(path);
  reporter.run_started(run.info, run.plan);
  reporter.run_finished(run.summary);
  EXPECT_EQ(reporter.error(), "write " + path.string() + ": No such file or directory");
}

}  // namespace
}  // namespace ktstr
