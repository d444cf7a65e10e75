// A stand-in for report/json_reporter.cc and report/junit_reporter.cc while
// they are written in parallel (issue 16): tests/CMakeLists.txt links it only
// when those files do not exist, so the real reporters replace it as soon as
// they land. It writes the fields the store reads back (format, run_id,
// complete, accel, exit_code, tests[] with name, display_name, status,
// seconds, dir, reasons), nothing more.
#include <fmt/format.h>

#include "report/json_reporter.h"
#include "report/junit_reporter.h"

namespace ktstr {

nlohmann::json summary_json(const RunInfo& info, const RunSummary& summary, bool complete) {
  nlohmann::json tests = nlohmann::json::array();
  for (const TestOutcome& o : summary.outcomes)
    tests.push_back({{"name", o.instance ? o.instance->name : ""},
                     {"display_name", o.instance ? o.instance->display_name() : ""},
                     {"status", status_name(o.status)},
                     {"seconds", o.seconds},
                     {"dir", o.instance ? o.instance->dir : o.dir},
                     {"reasons", o.verdict.reasons}});
  return {{"format", kSummaryFormat},
          {"run_id", info.run_id},
          {"complete", complete},
          {"accel", info.accel},
          {"started_at", info.started_at},
          {"exit_code", summary.exit_code},
          {"counts",
           {{"pass", summary.counts.pass},
            {"fail", summary.counts.fail},
            {"not_run", summary.counts.not_run}}},
          {"tests", tests}};
}

std::string junit_xml(const RunInfo& /*info*/, const RunSummary& summary) {
  std::string xml = fmt::format("<testsuites tests=\"{}\">\n", summary.outcomes.size());
  for (const TestOutcome& o : summary.outcomes)
    xml += fmt::format("  <testcase name=\"{}\" status=\"{}\"/>\n",
                       o.instance ? o.instance->display_name() : "", status_name(o.status));
  return xml + "</testsuites>\n";
}

}  // namespace ktstr
