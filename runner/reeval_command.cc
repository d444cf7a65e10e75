#include "runner/reeval_command.h"

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <set>

#include "eval/evaluate.h"
#include "runner/checks_from_spec.h"
#include "runner/console_report.h"
#include "runner/exit_codes.h"
#include "runner/spec_pipeline.h"
#include "runner/stored_results.h"

namespace ktstr {

namespace fs = std::filesystem;

std::string verdict_change(const std::string& stored, Verdict::Kind now) {
  const std::string current = Verdict::name(now);
  if (stored == current) return "";
  return (stored.empty() ? std::string("?") : stored) + " → " + current;
}

namespace {

// The spec paths to load: the user's, or every path the runs recorded that
// still exists (a vanished one leaves its tests without a spec, reported per
// test).
std::vector<std::string> spec_paths(const ReevalOptions& options, const StoredResults& run,
                                    std::ostream& err) {
  if (!options.paths.empty()) return options.paths;
  std::set<std::string> recorded;
  for (const StoredResult& r : run.results)
    if (r.record)
      for (const std::string& p : r.record->spec_paths) recorded.insert(p);
  std::vector<std::string> paths;
  for (const std::string& p : recorded) {
    std::error_code ec;
    if (fs::exists(p, ec))
      paths.push_back(p);
    else
      err << fmt::format("ktstr-run: note: the run's spec path {} is gone\n", p);
  }
  return paths;
}

}  // namespace

int run_reeval(const ReevalOptions& options, std::ostream& out, std::ostream& err) {
  const StoredResults run = read_stored_run(options.run_dir);
  if (!run.error.empty()) {
    err << "ktstr-run: error: " << run.error << "\n";
    return kExitInfra;
  }
  const std::vector<std::string> paths = spec_paths(options, run, err);
  LoadedSpecs specs;
  if (!paths.empty()) {
    SpecOptions so;
    so.paths = paths;
    so.sets = options.sets;
    so.check_plugins = false;  // evaluation runs no plugin
    specs = load_and_resolve(so);
  } else {
    // No spec to load, but a bad --set is still the user's error to hear of.
    specs.set = std::make_unique<SpecSet>();
    parse_set_overrides(options.sets, specs.diags);
  }
  if (!specs.ok()) {
    report_diagnostics(specs, false);
    return kExitUsage;
  }
  std::map<std::string, const ResolvedTest*> by_name;
  for (const ResolvedTest& t : specs.tests) by_name[t.name] = &t;
  std::string where;
  for (const std::string& p : paths) where += (where.empty() ? "" : ", ") + p;
  if (where.empty()) where = "no spec path";

  int passed = 0, failed = 0, skipped = 0, changed = 0, errors = 0;
  for (const StoredResult& r : run.results) {
    if (!r.record) {
      err << "ktstr-run: error: " << r.error << "\n";
      ++errors;
      continue;
    }
    const RunRecord& stored = *r.record;
    auto it = by_name.find(stored.test);
    if (stored.test.empty() || it == by_name.end()) {
      err << fmt::format(
          "ktstr-run: error: {}: test '{}' is not in the specs any more ({}); it was declared in "
          "{}; give its spec as PATH, or run it again\n",
          r.file.string(), stored.test.empty() ? r.name : stored.test, where,
          stored.spec_file.empty() ? "(not recorded)" : stored.spec_file);
      ++errors;
      continue;
    }
    const ResolvedTest& test = *it->second;
    // The expectations are the current spec's, like the thresholds.
    RunRecord record = stored;
    record.expect_err = test.value_or<bool>("expect_err", false);
    record.expect_scx_bpf_error_contains =
        test.value_or<std::string>("expect_scx_bpf_error_contains", "");
    record.expect_scx_bpf_error_matches =
        test.value_or<std::string>("expect_scx_bpf_error_matches", "");
    const Verdict v = evaluate(record, checks_from_spec(test));
    VerdictStyle style;
    style.verbose = options.verbose;
    style.change = verdict_change(r.stored_verdict, v.kind);
    if (!style.change.empty()) ++changed;
    print_verdict(out, r.name, v, r.seconds, style);
    // As in a run: INCONCLUSIVE fails (allow_inconclusive made it a PASS already).
    if (v.kind == Verdict::Kind::kFail || v.kind == Verdict::Kind::kInconclusive) ++failed;
    if (v.kind == Verdict::Kind::kPass) ++passed;
    if (v.kind == Verdict::Kind::kSkip) ++skipped;
  }
  out << fmt::format("{} passed, {} failed, {} skipped; {} changed{}\n", passed, failed, skipped,
                     changed,
                     errors ? fmt::format(", {} not re-evaluated (see the errors)", errors) : "");
  if (errors) return kExitUsage;
  return failed ? kExitTestFailed : kExitOk;
}

void add_reeval_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ReevalOptions>();
  auto* cmd = app.add_subcommand(
      "reeval", "Judge a finished run's stored records again against the current specs (no VM)");
  cmd->add_option("run_dir", opts->run_dir, "A run directory (ktstr-runs/RUN-ID) or a test's")
      ->required();
  cmd->add_option("paths", opts->paths,
                  "Spec files or directories (default: the paths the run was given)");
  cmd->add_option("--set", opts->sets, "Override a setting for every test (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_flag("-v,--verbose", opts->verbose,
                "Print reasons, the per-cgroup table and details for passing tests too");
  cmd->callback([opts, &exit_code] { exit_code = run_reeval(*opts, std::cout, std::cerr); });
}

}  // namespace ktstr
