// The record's JSON form is strict both ways: every field is written, and a
// reader refuses a missing field, a field of the wrong type and a key it does
// not know, so a record from another ktstr-run is never half-read. The version
// is checked first, so an older record gets the sentence that says what to do
// (re-run the test) rather than whichever field changed.
#include "eval/run_record.h"

#include <string_view>

#include "guest/protocol/json_field.h"

namespace ktstr {

using nlohmann::json;

namespace {

[[noreturn]] void refuse(const json& j, const std::string& what) {
  throw json::out_of_range::create(406, what, &j);
}

const json& field(const json& j, const char* key) {
  if (!j.contains(key)) refuse(j, std::string("run record: '") + key + "' is missing");
  return j.at(key);
}

std::string string_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_string())
    throw json::type_error::create(
        302, std::string("run record: '") + key + "' must be a string, not " + v.type_name(), &j);
  return v.get<std::string>();
}

bool bool_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_boolean())
    throw json::type_error::create(
        302, std::string("run record: '") + key + "' must be a boolean, not " + v.type_name(), &j);
  return v.get<bool>();
}

double number_field(const json& j, const char* key) {
  field(j, key);
  double d = 0;
  json_field::read_number(j, key, d, 0, 1e12);
  return d;
}

constexpr std::string_view kKeys[] = {"version",
                                      "name",
                                      "kernel",
                                      "accel",
                                      "duration_s",
                                      "declared",
                                      "check_topology",
                                      "exit_reason",
                                      "exit_detail",
                                      "findings",
                                      "console_tail",
                                      "booted",
                                      "result",
                                      "teardown_ms",
                                      "expect_err",
                                      "expect_scx_bpf_error_contains",
                                      "expect_scx_bpf_error_matches",
                                      "test",
                                      "spec_file",
                                      "spec_paths"};

}  // namespace

void to_json(json& j, const RunRecord& r) {
  json findings = json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"line", f.line}, {"detail", f.detail}, {"fatal", f.fatal}});
  j = {{"version", r.version},
       {"name", r.name},
       {"kernel", r.kernel},
       {"accel", r.accel},
       {"duration_s", r.duration_s},
       {"declared", r.declared},
       {"check_topology", r.check_topology},
       {"exit_reason", r.exit_reason},
       {"exit_detail", r.exit_detail},
       {"findings", findings},
       {"console_tail", r.console_tail},
       {"booted", r.booted},
       {"result", r.result},
       {"teardown_ms", r.teardown_ms ? json(*r.teardown_ms) : json(nullptr)},
       {"expect_err", r.expect_err},
       {"expect_scx_bpf_error_contains", r.expect_scx_bpf_error_contains},
       {"expect_scx_bpf_error_matches", r.expect_scx_bpf_error_matches},
       {"test", r.test},
       {"spec_file", r.spec_file},
       {"spec_paths", r.spec_paths}};
}

void from_json(const json& j, RunRecord& r) {
  json_field::require_object(j, "run record");
  if (!j.contains("version") || !j.at("version").is_number_integer())
    refuse(j, "this record has no format version; this ktstr-run reads format " +
                  std::to_string(kRunRecordVersion) + ": re-run the test");
  const long long version = j.at("version").get<long long>();
  if (version != kRunRecordVersion)
    refuse(j, "this record is format " + std::to_string(version) +
                  "; this ktstr-run reads format " + std::to_string(kRunRecordVersion) +
                  ": re-run the test");
  for (const auto& [k, _] : j.items()) {
    bool known = false;
    for (std::string_view key : kKeys) known = known || key == k;
    if (!known) refuse(j, "run record: unknown key '" + k + "'");
  }
  RunRecord out;
  out.version = static_cast<int>(version);
  out.name = string_field(j, "name");
  out.kernel = string_field(j, "kernel");
  out.accel = string_field(j, "accel");
  out.duration_s = number_field(j, "duration_s");
  out.declared = field(j, "declared").get<TopologySpec>();
  out.check_topology = bool_field(j, "check_topology");
  out.exit_reason = string_field(j, "exit_reason");
  out.exit_detail = string_field(j, "exit_detail");
  const json& findings = field(j, "findings");
  if (!findings.is_array())
    throw json::type_error::create(302, "run record: 'findings' must be an array", &j);
  for (const auto& f : findings) {
    json_field::require_object(f, "run record: a finding");
    out.findings.push_back(
        {string_field(f, "line"), string_field(f, "detail"), bool_field(f, "fatal")});
  }
  out.console_tail = string_field(j, "console_tail");
  out.booted = field(j, "booted");
  out.result = field(j, "result");
  if (const json& t = field(j, "teardown_ms"); !t.is_null())
    out.teardown_ms = number_field(j, "teardown_ms");
  out.expect_err = bool_field(j, "expect_err");
  out.expect_scx_bpf_error_contains = string_field(j, "expect_scx_bpf_error_contains");
  out.expect_scx_bpf_error_matches = string_field(j, "expect_scx_bpf_error_matches");
  out.test = string_field(j, "test");
  out.spec_file = string_field(j, "spec_file");
  const json& paths = field(j, "spec_paths");
  if (!paths.is_array())
    throw json::type_error::create(302, "run record: 'spec_paths' must be an array", &j);
  for (const auto& p : paths) {
    if (!p.is_string())
      throw json::type_error::create(302, "run record: 'spec_paths' must hold strings", &j);
    out.spec_paths.push_back(p.get<std::string>());
  }
  r = std::move(out);
}

std::string read_run_record(const json& j, RunRecord& r) {
  try {
    from_json(j, r);
    return "";
  } catch (const json::exception& e) {
    std::string what = e.what();
    // "[json.exception.out_of_range.406] text": the prefix means nothing to a user.
    if (what.starts_with("[json.exception.")) {
      const std::size_t end = what.find("] ");
      if (end != std::string::npos) what.erase(0, end + 2);
    }
    return what;
  }
}

}  // namespace ktstr
