// summary.json: the run as one JSON document (schema/ktstr-summary.schema.json).
// Every string that may hold guest text is made valid UTF-8 first, so dump()
// cannot throw on it; JSON escaping does the rest (a JSON reader sees the
// text, control characters and all, as the guest wrote it).
#include "report/json_reporter.h"

#include "guest/protocol/valid_utf8.h"
#include "report/atomic_write.h"

namespace ktstr {

namespace {

using nlohmann::json;

json strings(const std::vector<std::string>& list) {
  json out = json::array();
  for (const std::string& s : list) out.push_back(make_valid_utf8(s));
  return out;
}

json outcome_json(const RunInfo& info, const TestOutcome& o) {
  json entry = json::object();
  const TestInstance* t = o.instance;
  entry["name"] = t ? make_valid_utf8(t->name) : "";
  entry["display_name"] = t ? make_valid_utf8(t->display_name()) : "";
  entry["status"] = status_name(o.status);
  entry["seconds"] = o.seconds;
  if (t && t->kernel_index < info.kernels.size())
    entry["kernel"] = make_valid_utf8(info.kernels[t->kernel_index].label);
  else
    entry["kernel"] = nullptr;
  entry["replica"] = t ? t->replica : 1;
  entry["replicas"] = t ? t->replicas : 1;
  entry["repetition"] = t ? t->repetition : 1;
  entry["repetitions"] = t ? t->repetitions : 1;
  entry["dir"] = make_valid_utf8(o.dir);
  entry["reasons"] = strings(o.verdict.reasons);
  entry["notes"] = strings(o.verdict.notes);
  json attempts = json::array();
  for (const Attempt& a : o.attempts)
    attempts.push_back({{"verdict", Verdict::name(a.verdict.kind)},
                        {"seconds", a.seconds},
                        {"reasons", strings(a.verdict.reasons)}});
  entry["attempts"] = std::move(attempts);
  json properties = json::object();
  for (const auto& [key, value] : o.properties)
    properties[make_valid_utf8(key)] = make_valid_utf8(value);
  entry["properties"] = std::move(properties);
  return entry;
}

}  // namespace

json summary_json(const RunInfo& info, const RunSummary& summary, bool complete) {
  json doc = json::object();
  doc["format"] = kSummaryFormat;
  doc["run_id"] = make_valid_utf8(info.run_id);
  doc["run_dir"] = make_valid_utf8(info.run_dir.string());
  doc["started_at"] = info.started_at;
  doc["finished_at"] = summary.finished_at;
  doc["wall_seconds"] = summary.wall_seconds;
  doc["argv"] = strings(info.argv);
  doc["accel"] = info.accel;
  doc["partition"] = info.partition ? json(info.partition->str()) : json(nullptr);
  doc["shuffle_seed"] = info.shuffle_seed ? json(*info.shuffle_seed) : json(nullptr);
  doc["budget"] = {
      {"jobs", info.jobs}, {"cpus", info.budget_cpus}, {"memory_mib", info.budget_memory_mib}};
  json kernels = json::array();
  for (const PlanKernel& k : info.kernels)
    kernels.push_back({{"label", make_valid_utf8(k.label)},
                       {"dimension", make_valid_utf8(k.dimension)},
                       {"sched_ext", k.sched_ext}});
  doc["kernels"] = std::move(kernels);
  const StatusCounts& c = summary.counts;
  doc["counts"] = {{"pass", c.pass},
                   {"fail", c.fail},
                   {"flaky", c.flaky},
                   {"skip", c.skip},
                   {"inconclusive", c.inconclusive},
                   {"not_run", c.not_run},
                   {"total", c.total()}};
  doc["exit_code"] = summary.exit_code;
  doc["complete"] = complete;
  doc["interrupted"] = summary.interrupted;
  doc["fail_fast_stopped"] = summary.fail_fast_stopped;
  json tests = json::array();
  for (const TestOutcome& o : summary.outcomes) tests.push_back(outcome_json(info, o));
  doc["tests"] = std::move(tests);
  return doc;
}

void JsonReporter::run_started(const RunInfo& info, const Plan& plan) {
  info_ = info;
  if (info_.kernels.empty()) info_.kernels = plan.kernels;
}

void JsonReporter::run_finished(const RunSummary& summary) {
  // replace: the last line of defence; every string was made valid above.
  const std::string text =
      summary_json(info_, summary).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  error_ = write_file_atomically(path_, text);
}

}  // namespace ktstr
