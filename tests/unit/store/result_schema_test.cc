// The sidecar schema (schema/ktstr-result.schema.json) accepts what the
// runner writes (a run record from eval, the fields of issue 16) and refuses
// what a reader could not use.
#include <gtest/gtest.h>

#include <fstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "synthetic_run.h"

namespace ktstr {
namespace {

using nlohmann::json;

/// The schema's errors for `doc`, one "<path>: <sentence>" per line; "" = valid.
std::string schema_errors(const json& doc) {
  static const json schema_doc = json::parse(std::ifstream(KTSTR_RESULT_SCHEMA));
  static valijson::Schema schema;
  static const bool parsed = [] {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema_doc);
    parser.populateSchema(adapter, schema);
    return true;
  }();
  (void)parsed;
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(schema, target, &results)) return "";
  std::string out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string path;
    for (const auto& p : e.context) path += p;
    out += path + ": " + e.description + "\n";
  }
  return out;
}

TEST(ResultSchema, AcceptsTheSidecarOfARunWithTelemetry) {
  EXPECT_EQ(schema_errors(testing::fake_sidecar({})), "");
}

TEST(ResultSchema, AcceptsAHostOnlySidecarWithoutVmFields) {
  json s = testing::fake_sidecar({});
  for (const char* k : {"kernel", "topology", "initrd", "tcg_threads"}) s.erase(k);
  s["accel"] = "host";
  s["host_only"] = true;
  s["cgroup"] = "/sys/fs/cgroup/ktstr-1";
  EXPECT_EQ(schema_errors(s), "");
}

TEST(ResultSchema, RefusesAMissingDisplayName) {
  json s = testing::fake_sidecar({});
  s.erase("display_name");
  EXPECT_NE(schema_errors(s).find("display_name"), std::string::npos) << schema_errors(s);
}

TEST(ResultSchema, RefusesAStatusOutsideTheSix) {
  json s = testing::fake_sidecar({});
  s["status"] = "OK";
  EXPECT_NE(schema_errors(s), "");
  s["status"] = "NOT-RUN";
  EXPECT_EQ(schema_errors(s), "");
}

TEST(ResultSchema, RefusesANewerFormat) {
  json s = testing::fake_sidecar({});
  s["format"] = 2;
  EXPECT_NE(schema_errors(s), "");
}

TEST(ResultSchema, RefusesARecordWithoutItsRequiredKeys) {
  json s = testing::fake_sidecar({});
  s["record"].erase("exit_reason");
  EXPECT_NE(schema_errors(s).find("exit_reason"), std::string::npos) << schema_errors(s);
}

TEST(ResultSchema, RefusesAnUnknownTopLevelKey) {
  json s = testing::fake_sidecar({});
  s["verdcit"] = "PASS";
  EXPECT_NE(schema_errors(s), "");
}

TEST(ResultSchema, RefusesADirThatIsAbsolute) {
  json s = testing::fake_sidecar({});
  s["dir"] = "/etc";
  EXPECT_NE(schema_errors(s), "");
}

}  // namespace
}  // namespace ktstr
